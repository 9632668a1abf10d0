import type {Target} from '../target/types.js';
import {RunError} from '../util/errors.js';
import {quote} from '../util/shell.js';
import {LOCK, STATE_DIR} from './paths.js';

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
    '  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "@@HELD $(cat "$L")"; exit 0; fi',
    `  if [ ${breakStale ? 1 : 0} != 1 ]; then echo "@@STALE $(cat "$L")"; exit 0; fi`,
    'fi',
    `printf '%s %s %s %s\\n' ${quote(runId)} ${hold.pid} "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(printf '%s' "$1" | cut -d' ' -f1)" > "$L.new" && mv -f "$L.new" "$L"`,
    'echo "@@LOCKED"',
  ].join('\n');
  let r: {code: number; stdout: string};
  try {
    r = await target.run(script);
  } catch (e) {
    await hold.release();
    throw e;
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  const [, run, , started, from] = line.split(' ');
  if (line.startsWith('@@HELD')) {
    await hold.release();
    throw new RunError(
      `another portcullis run (${run}, started ${started}${from ? ` from ${from}` : ''}) is working on this server; wait for it to finish`,
    );
  }
  if (line.startsWith('@@STALE')) {
    await hold.release();
    throw new RunError(
      `a portcullis run (${run}, started ${started}) was interrupted and left its lock; its process is gone. Check \`portcullis status\`, then clear it with --break-lock`,
    );
  }
  if (!line.startsWith('@@LOCKED')) {
    await hold.release();
    throw new RunError(`could not take the lock on ${target.label}: ${r.stdout.trim() || `exit ${r.code}`}`);
  }
  return async () => {
    try {
      await target.run(
        `L=${LOCK}; read run pid rest < "$L" 2>/dev/null; [ "$run" = ${quote(runId)} ] && rm -f "$L"; exit 0`,
      );
    } finally {
      await hold.release();
    }
  };
}
