import type {PlannedStep} from '../core/types.js';
import {assertNever, RunError} from '../util/errors.js';
import type {ApplyOptions, Recorder} from './apply-options.js';
import {reconcile} from './reconnect.js';
import {rollBack} from './step-rollback.js';

/** How long the wizard keeps reconnecting after the window's end, only to learn what the target decided. */
const RECONNECT_GRACE_MS = 90_000;

export interface Window {
  /** When the window ends, on this machine's clock (epoch ms). */
  end: number;
  /** The deadline the target fixed (epoch seconds UTC), once known. */
  server?: number;
}

const utc = (epochS: number) => `${new Date(epochS * 1000).toISOString().slice(11, 19)} UTC`;

/**
 * The connection was lost with the step under its timer: reconnects with backoff until the window's end
 * (plus RECONNECT_GRACE_MS to learn the outcome), copies the target's journal entries of this run that the
 * local copy lacks, and reports what the target says. Returns only when the step was committed and the
 * lost segment was the commit (`segment`); otherwise rolls back now if it can, or throws with the outcome.
 */
export async function afterLostConnection(
  o: ApplyOptions,
  planned: PlannedStep,
  record: Recorder,
  reason: string,
  w: Window,
  lost: 'segment' | 'rollback',
): Promise<void> {
  const until = w.end + RECONNECT_GRACE_MS;
  const rec = await reconcile({
    target: o.target,
    runId: o.runId,
    stepId: planned.id,
    until,
    alternates: planned.plan.actions.flatMap((a) =>
      a.kind === 'proof' && !a.service && a.route.host && a.route.host !== o.target.host ? [a.route] : [],
    ),
    onRetry: (attempt, waitMs, why) =>
      o.events({type: 'reconnecting', id: planned.id, attempt, waitMs, reason: why, until}),
  });
  record(rec.entries.filter((e) => !record.has(e)));
  const v = rec.verdict;
  switch (v.kind) {
    case 'done':
      if (lost === 'segment') return;
      return rollBack(o, planned, `the connection to the target was lost (${reason})`, record);
    case 'armed':
      return rollBack(
        o,
        planned,
        `the connection to the target was lost (${reason}) while this step was under its dead-man timer`,
        record,
      );
    case 'rolled-back': {
      record([{run: o.runId, kind: 'run.end', status: 'rolled-back'}]);
      const who =
        v.by === 'boot'
          ? 'it was rolled back at boot'
          : v.by === 'timer'
            ? 'its dead-man timer rolled it back'
            : 'it was rolled back';
      const how = `the connection to the target was lost (${reason}); back in touch, the target's journal says ${who}${v.at ? ` (${v.at})` : ''}`;
      o.events({type: 'step.rolled-back', id: planned.id, reason: how});
      throw new RunError(`${planned.title}: ${how}`);
    }
    case 'unreachable': {
      record([{run: o.runId, kind: 'step.rolled-back', step: planned.id, by: 'pending-timer'}]);
      record([{run: o.runId, kind: 'run.end', status: 'rolled-back'}]);
      const when = w.server ? ` at ${utc(w.server)}` : '';
      const how = `the connection to the target was lost (${reason}) and did not come back in time; its dead-man timer restores this step${when}, whether or not this machine is connected (\`portcullis status\` shows it later)`;
      o.events({type: 'step.rolled-back', id: planned.id, reason: how});
      throw new RunError(`${planned.title}: ${how}`);
    }
    default:
      return assertNever(v, 'verdict');
  }
}
