import {JOURNAL, LOCK, STATE_DIR} from '../core/paths.js';
import type {Target} from '../target/types.js';
import {clockTime} from '../util/clock-time.js';
import {RunError} from '../util/errors.js';
import {quote} from '../util/shell.js';
import {armedWindows, parseJournal} from './journal.js';
import {LOCK_END, LOCK_HELD, LOCK_STALE, LOCK_TAKEN} from './protocol.js';
import {settle} from './settle.js';

/**
 * One run per server at a time. The lock file names the run and the pid of a session that lives exactly
 * as long as the wizard (Target.hold): a second wizard finds that pid alive and refuses; a lock whose pid
 * is gone was left by a killed run and is stale, cleared only on request (--break-lock), never silently.
 */
export async function acquireLock(target: Target, runId: string, breakStale: boolean): Promise<() => Promise<void>> {
  const hold = await target.hold();
  const script = [
    `mkdir -p ${STATE_DIR} && chmod 700 ${STATE_DIR}`,
    `L=${LOCK}`,
    'if [ -f "$L" ]; then',
    '  read run pid rest < "$L"',
    `  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "${LOCK_HELD} $(cat "$L")"; exit 0; fi`,
    // A stale lock's run may have left a step to its dead-man timer: its journal says until when.
    `  if [ ${breakStale ? 1 : 0} != 1 ]; then echo "${LOCK_STALE} $(cat "$L")"; grep -F "\\"run\\":\\"$run\\"" ${JOURNAL} 2>/dev/null | tail -n 500; echo "${LOCK_END} $(cat "$L")"; exit 0; fi`,
    'fi',
    `printf '%s %s %s %s\\n' ${quote(runId)} ${hold.pid} "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(printf '%s' "$1" | cut -d' ' -f1)" > "$L.new" && mv -f "$L.new" "$L"`,
    `echo "${LOCK_TAKEN}"`,
  ].join('\n');
  let r: {code: number; stdout: string};
  try {
    r = await target.run(script);
  } catch (e) {
    await hold.release();
    throw e;
  }
  const lines = r.stdout.trim().split('\n');
  const line = (lines.at(-1) ?? '').replace(new RegExp(`^${LOCK_END} `), `${LOCK_STALE} `);
  const [, run, , started, from] = line.split(' ');
  if (line.startsWith(LOCK_HELD)) {
    await hold.release();
    throw new RunError(
      `another portcullis run (${run}, started ${started}${from ? ` from ${from}` : ''}) is working on this server; wait for it to finish`,
    );
  }
  if (line.startsWith(LOCK_STALE)) {
    await hold.release();
    const journal = parseJournal(lines.slice(lines.findIndex((l) => l.startsWith(LOCK_STALE)) + 1, -1).join('\n'));
    const open = armedWindows(journal.filter((e) => e.run === run)).filter((w) => w.deadline > Date.now());
    const last = open.sort((a, b) => b.deadline - a.deadline)[0];
    if (last)
      throw new RunError(
        `a portcullis run (${run}) stopped inside the confirmation window of ${last.step}: its dead-man timer on the server restores it at ${clockTime(last.deadline)}. Wait until then; afterwards run again with --break-lock (the lock it left names a process that is gone)`,
      );
    throw new RunError(
      `a portcullis run (${run}, started ${started}) was interrupted and left its lock; its process is gone. Check \`portcullis status\`, then clear it with --break-lock`,
    );
  }
  if (!line.startsWith(LOCK_TAKEN)) {
    await hold.release();
    throw new RunError(`could not take the lock on ${target.label}: ${r.stdout.trim() || `exit ${r.code}`}`);
  }
  return async () => {
    try {
      // A connection that dropped as the last step committed is waited for: a released lock is no stale one.
      await settle(
        target,
        `L=${LOCK}; read run pid rest < "$L" 2>/dev/null; [ "$run" = ${quote(runId)} ] && rm -f "$L"; exit 0`,
      );
    } finally {
      await hold.release();
    }
  };
}
