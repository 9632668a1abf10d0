import {stepDir} from '../core/paths.js';
import type {PlannedStep} from '../core/types.js';
import {RunError} from '../util/errors.js';
import {quote} from '../util/shell.js';
import type {ApplyOptions, Recorder} from './apply-options.js';
import {countChanges} from './changes.js';
import {afterLostConnection, type Window} from './lost-connection.js';
import {rolledBackEntry} from './scripts.js';

/** Thrown when a step was rolled back; `restored`: the target is known to be as it was before the step. */
export class RolledBackError extends RunError {
  constructor(
    message: string,
    readonly restored: boolean,
  ) {
    super(message);
  }
}

export async function rollBack(
  o: ApplyOptions,
  planned: PlannedStep,
  reason: string,
  record: Recorder,
  /** Set while the step is under its timer: an unreachable target is then reconnected to (see above). */
  w?: Window,
): Promise<never> {
  const d = stepDir(o.runId, planned.id);
  let restored = false;
  try {
    // No rollback script yet: only a leading package install ran, and packages are not removed. The
    // target's journal still says how the step ended, so it does not stay in doubt.
    const script = quote(`${d}/rollback.sh`);
    const r = await o.target.run(
      `[ -f ${script} ] || { ${rolledBackEntry(o.runId, planned.id, 'failure')}; exit 0; }; /bin/sh ${script} failure`,
      {timeoutMs: 60_000},
    );
    restored = r.code === 0;
  } catch (e) {
    if (w) {
      await afterLostConnection(o, planned, record, `${reason}; then ${(e as Error).message}`, w, 'rollback');
      throw new RunError(`${planned.title}: ${reason}`);
    }
    restored = false;
  }
  record([{run: o.runId, kind: 'step.rolled-back', step: planned.id, by: restored ? 'failure' : 'pending-timer'}]);
  record([{run: o.runId, kind: 'run.end', status: 'rolled-back'}]);
  const how = restored
    ? countChanges(planned.plan.actions) === 0
      ? 'this step changes nothing on the server, so there was nothing to restore'
      : 'everything this step changed has been restored'
    : planned.plan.actions.some((a) => a.kind === 'timer.arm')
      ? 'the target could not be reached to roll back now; its dead-man timer will restore it'
      : 'the target could not be reached to roll back; run `portcullis rollback` when it is reachable';
  o.events({type: 'step.rolled-back', id: planned.id, reason: `${reason}; ${how}`});
  throw new RolledBackError(`${planned.title}: ${reason}; ${how}`, restored);
}
