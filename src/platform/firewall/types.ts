import type {Facts} from '../../core/facts.js';
import type {AllowRule} from '../../core/firewall-policy.js';
import type {Action, Finding, ProbeData, ProbeRequest, StepPlan} from '../../core/types.js';

/** What a backend needs to plan: the rules, what the probe read, and the proof that keeps the change. */
export interface BackendInput {
  facts: Facts;
  /** Everything that must be let in. Rules of ours no longer wanted go; any other rule is the operator's and stays. */
  rules: readonly AllowRule[];
  probe: ProbeData;
  proof: Extract<Action, {kind: 'proof'}>;
  timeout: number;
  findings: Finding[];
  /**
   * close-ports: a port the rules let in only through the tunnel must not stay public, so a public rule
   * for it goes even when it is not ours. Otherwise rules that are not ours are always kept.
   */
  closing?: boolean;
}

/** One firewall backend: a read-only probe, what a fresh host shows, and a pure plan. */
export interface FirewallBackend {
  probe(f: Facts): ProbeRequest;
  offline(f: Facts): Partial<ProbeData>;
  plan(input: BackendInput): StepPlan;
  /** Our tunnel-only rules in place (close-ports ran), `via` filled as far as the backend can read it. */
  tunnelOnly(f: Facts, probe: ProbeData): AllowRule[];
  /** Facts and probe of this host as the firewall step leaves it with these rules: close-ports' dry run. */
  assumed?(f: Facts, rules: readonly AllowRule[]): {facts: Facts; probe: ProbeData};
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
