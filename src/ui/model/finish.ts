import type {Exposure} from '../../platform/exposure.js';
import type {ExposureRow, Finish, Outcome, StepView} from '../state/types.js';
import {exposureKey, exposureState} from './preflight-info.js';

/**
 * Every socket reachable from outside before or after (loopback-only ones never were), side by side;
 * a row missing on one side is closed or new.
 */
export function exposureRows(before: readonly Exposure[], after?: readonly Exposure[]): ExposureRow[] {
  const rows = new Map<string, ExposureRow>();
  for (const e of before) rows.set(exposureKey(e), {key: exposureKey(e), process: e.process, before: exposureState(e)});
  for (const e of after ?? []) {
    const k = exposureKey(e);
    const row = rows.get(k) ?? {key: k, process: e.process};
    rows.set(k, {...row, after: exposureState(e)});
  }
  return [...rows.values()]
    .filter((r) => (r.before && r.before !== 'local') || (r.after && r.after !== 'local'))
    .sort((a, b) => a.key.localeCompare(b.key, 'en', {numeric: true}));
}

/** `ssh -p 2222 admin@203.0.113.5` → `admin@203.0.113.5:2222`, the TARGET form portcullis takes. */
export function endpointOf(command: string): string | undefined {
  const m = /^ssh (?:-p (\d+) )?([a-z_][a-z0-9_-]*)@(\S+)$/.exec(command.trim());
  if (!m) return undefined;
  const host = m[3] ?? '';
  return `${m[2]}@${host}${m[1] ? `:${m[1]}` : ''}`;
}

/** The last way in a proof showed to work in a step that was kept: what the operator uses from now on. */
export function lastProven(steps: readonly StepView[]): string | undefined {
  const proofs = steps.filter((s) => s.status === 'done').flatMap((s) => s.proofs.filter((p) => p.state === 'ok'));
  return proofs.at(-1)?.command;
}

export interface FinishInput {
  outcome: Outcome;
  before: readonly Exposure[];
  after?: readonly Exposure[];
  journal?: string;
  steps: readonly StepView[];
  /** TARGET as the operator gave it, and the extra options they need again (--ssh-config FILE). */
  target: string;
  extraArgs: string;
  artifacts?: readonly string[];
}

export function buildFinish(i: FinishInput): Finish {
  const applied = i.steps.some((s) => s.status === 'done');
  const proven = lastProven(i.steps);
  const next = (proven && endpointOf(proven)) || i.target;
  const extra = i.extraArgs ? ` ${i.extraArgs}` : '';
  return {
    outcome: i.outcome,
    exposures: exposureRows(i.before, i.after),
    exposuresAfterKnown: i.after !== undefined,
    journal: i.journal,
    wayIn: proven,
    rollback: applied || i.outcome.kind === 'left-to-timer' ? `portcullis rollback ${next}${extra}` : undefined,
    status: `portcullis status ${next}${extra}`,
    artifacts: [...(i.artifacts ?? [])],
    ...(i.outcome.kind === 'left-to-timer' && {
      waitUntil: i.outcome.deadline,
      again: `portcullis ${i.target}${extra} --break-lock`,
    }),
  };
}
