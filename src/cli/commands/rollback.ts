import {readTargetJournal, rollbackSteps, undoable} from '../../engine/rollback.js';
import {type ConnectOptions, openTarget} from '../connect.js';

export async function runRollback(
  spec: string | undefined,
  o: ConnectOptions & {to?: string; json?: boolean},
): Promise<void> {
  const target = await openTarget(spec, o);
  try {
    const entries = await readTargetJournal(target);
    const list = undoable(entries, o.to);
    if (!list.length) {
      process.stderr.write(`nothing to roll back on ${target.label}${o.to ? ` after ${o.to}` : ''}\n`);
    }
    await rollbackSteps(target, list, (s) => process.stderr.write(`rolling back ${s.step} (run ${s.run})\n`));
    if (o.json)
      process.stdout.write(
        `${JSON.stringify({target: target.label, rolledBack: list, changed: list.length}, null, 2)}\n`,
      );
    else if (list.length) process.stderr.write(`rolled back ${list.length} step(s)\n`);
  } finally {
    await target.close();
  }
}
