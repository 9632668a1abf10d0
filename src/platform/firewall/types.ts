import type {Action, Finding, ProbeData, ProbeRequest, StepPlan} from '../../engine/types.js';
import type {Facts} from '../facts.js';
import type {AllowRule} from './policy.js';

/** What a backend needs to plan: the rules, what the probe read, and the proof that keeps the change. */
export interface BackendInput {
  facts: Facts;
  /** Everything that must be let in. Rules of ours no longer wanted go; any other rule is the operator's and stays. */
  rules: readonly AllowRule[];
  probe: ProbeData;
  proof: Extract<Action, {kind: 'proof'}>;
  timeout: number;
  findings: Finding[];
}

/** One firewall backend: a read-only probe, what a fresh host shows, and a pure plan. */
export interface FirewallBackend {
  probe(f: Facts): ProbeRequest;
  offline(f: Facts): Partial<ProbeData>;
  plan(input: BackendInput): StepPlan;
}

/** The comment every rule of ours carries: how we tell our rules from the operator's. */
export const COMMENT_PREFIX = 'portcullis: ';

/**
 * The guarded sequence every backend uses: timer first, changes, the fresh-login proof, persistence
 * (kept only after the proof), timer last. `pre` (package installs) runs before the before-images.
 */
export function guarded(
  pre: readonly Action[],
  changes: readonly Action[],
  proof: Extract<Action, {kind: 'proof'}>,
  timeout: number,
  persist: readonly Action[] = [],
): Action[] {
  return [...pre, {kind: 'timer.arm', seconds: timeout}, ...changes, proof, ...persist, {kind: 'timer.disarm'}];
}
