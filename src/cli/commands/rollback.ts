import {STEPS} from '../../../steps/index.js';
import {readTargetJournal, rollbackSteps, undoable} from '../../engine/rollback.js';
import {printJson, rollbackJson} from '../../present/json.js';
import {InputError, RunError} from '../../util/errors.js';
import {type ConnectOptions, openTarget} from '../connect.js';

export async function runRollback(
  spec: string | undefined,
  o: ConnectOptions & {to?: string; json?: boolean; yes?: boolean},
): Promise<void> {
  const target = await openTarget(spec, o);
  let last = target;
  try {
    const entries = await readTargetJournal(target, (m) => process.stderr.write(`warning: ${target.label}: ${m}\n`));
    const list = undoable(
      entries,
      o.to,
      STEPS.map((s) => s.id),
    );
    if (!list.length) {
      process.stderr.write(`nothing to roll back on ${target.label}${o.to ? ` after ${o.to}` : ''}\n`);
    } else if (!o.yes && !o.json && process.stdin.isTTY && process.stderr.isTTY && !process.env.CI) {
      const {confirm} = await import('@inquirer/prompts');
      process.stderr.write(
        `rolling back on ${target.label}, newest first: ${list.map((s) => `${s.step} (run ${s.run})`).join(', ')}\n`,
      );
      process.stdin.ref();
      const go = await confirm(
        {message: `Roll back these ${list.length} step(s)?`, default: false},
        {output: process.stderr},
      );
      if (!go) throw new RunError('not confirmed: nothing was rolled back');
    }
    last = await rollbackSteps(target, entries, list, {
      step: (s) => process.stderr.write(`rolling back ${s.step} (run ${s.run})\n`),
      hop: (message) => process.stderr.write(`${message}\n`),
    });
    if (o.json) printJson('rollback', rollbackJson(target.label, list, last.label));
    else if (list.length)
      process.stderr.write(
        `rolled back ${list.length} step(s)${last !== target ? `; it went on over ${last.label} when ${target.label} could not stay` : ''}\n`,
      );
  } finally {
    if (last !== target) await last.close().catch(() => undefined);
    await target.close().catch(() => undefined);
  }
}

/** `--to` names a step of the runbook, checked before connecting (a typo must not mean "everything"). */
export function checkStepName(to: string): void {
  const ids = STEPS.map((s) => s.id);
  if (!ids.includes(to))
    throw new InputError(`--to: there is no step ${JSON.stringify(to)}; the steps are ${ids.join(', ')}`);
}
