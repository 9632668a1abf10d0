import {SshFailure} from '../target/ssh-errors.js';
import type {ExecResult, Target} from '../target/types.js';
import {backoffMs} from './reconnect.js';

/** How long the end of a run (the lock's release, the posture record) waits for a target that stopped answering. */
export const SETTLE_MS = 90_000;

/**
 * Runs a script that ends a run and is safe to run twice (the lock's release, the posture record), trying
 * again with backoff while ssh cannot reach the target: a connection that dropped just as the last step
 * committed comes back (by the way in that step proved, see Target.follow) instead of leaving a stale lock.
 */
export async function settle(
  target: Target,
  script: string,
  o: {budgetMs?: number; sleep?: (ms: number) => Promise<void>} = {},
): Promise<ExecResult> {
  const until = Date.now() + (o.budgetMs ?? SETTLE_MS);
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await target.run(script, {timeoutMs: 30_000});
    } catch (e) {
      const wait = backoffMs(attempt);
      if (!(e instanceof SshFailure) || Date.now() + wait > until) throw e;
      await sleep(wait);
    }
  }
}
