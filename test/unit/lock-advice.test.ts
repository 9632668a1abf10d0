import {describe, expect, it} from 'vitest';
import {armedWindows, type JournalEntry} from '../../src/engine/journal.js';
import {acquireLock} from '../../src/engine/lock.js';
import {clockTime} from '../../src/util/clock-time.js';
import {fakeTarget} from '../helpers/fake-target.js';

const RUN = '20261203-0740-ab12';
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A target whose lock was left by a run whose process is gone, with these journal lines of that run. */
function stale(journal: readonly object[]) {
  const lockLine = `${RUN} 999 2026-12-03T07:40:00Z 192.0.2.20`;
  const {target} = fakeTarget();
  return {
    ...target,
    // The lock script (it mentions @@LOCKED too) finds the stale lock and prints that run's journal lines.
    run: async (s: string) =>
      s.includes('@@STALE')
        ? {
            code: 0,
            stdout: [`@@STALE ${lockLine}`, ...journal.map((e) => JSON.stringify(e)), `@@END ${lockLine}`].join('\n'),
            stderr: '',
          }
        : target.run(s),
  };
}

describe('a lock left by a run stopped inside a confirmation window', () => {
  it('says to wait until the timer restores the step, not to break the lock now', async () => {
    const armedAt = Math.floor(Date.now() / 1000) * 1000 - 30_000;
    const target = stale([
      {at: iso(armedAt - 1000), run: RUN, kind: 'step.begin', step: 'ssh-hardening', touches: []},
      {at: iso(armedAt), run: RUN, kind: 'timer.armed', step: 'ssh-hardening', seconds: 120},
    ]);
    const err = await acquireLock(target, 'NEW', false).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(err).toMatch(
      new RegExp(
        `stopped inside the confirmation window of ssh-hardening: its dead-man timer on the server restores it at ${clockTime(armedAt + 120_000)}\\. Wait until then; afterwards run again with --break-lock`,
      ),
    );
  });

  it('once the timer has restored it (or the window is over), the stale lock is cleared on request as before', async () => {
    const armedAt = Date.now() - 300_000;
    const target = stale([
      {at: iso(armedAt), run: RUN, kind: 'timer.armed', step: 'ssh-hardening', seconds: 120},
      {at: iso(armedAt + 120_000), run: RUN, kind: 'step.rolled-back', step: 'ssh-hardening', by: 'timer'},
    ]);
    await expect(acquireLock(target, 'NEW', false)).rejects.toThrow(/left its lock; its process is gone.*--break-lock/);
  });
});

describe('armedWindows', () => {
  it('a timer armed and not ended, with its deadline; ended ones and malformed entries are left out', () => {
    const e = (x: object) => x as JournalEntry;
    const windows = armedWindows([
      e({at: '2026-12-03T07:40:00Z', run: 'r', kind: 'timer.armed', step: 'a', seconds: 120}),
      e({at: '2026-12-03T07:40:00Z', run: 'r', kind: 'timer.armed', step: 'b', seconds: 60}),
      e({at: '2026-12-03T07:40:30Z', run: 'r', kind: 'timer.disarmed', step: 'b'}),
      e({at: 'tomorrow', run: 'r', kind: 'timer.armed', step: 'c', seconds: 60}),
      e({at: '2026-12-03T07:40:00Z', run: 'r', kind: 'timer.armed', step: 'd', seconds: 1e9}),
      // Text from the target that is not a step id never reaches the terminal.
      e({at: '2026-12-03T07:40:00Z', run: 'r', kind: 'timer.armed', step: 'x\u001b]0;pwned\u0007', seconds: 60}),
    ]);
    expect(windows).toEqual([{run: 'r', step: 'a', deadline: Date.parse('2026-12-03T07:42:00Z')}]);
  });
});
