import {type JournalEntry, readJournalLine} from '../core/journal-entry.js';
import {JOURNAL, stepDir} from '../core/paths.js';
import type {ProofRoute, Target} from '../target/types.js';
import {quote} from '../util/shell.js';
import {STATE_MARK, stateOf} from './protocol.js';

/** What the target says about an armed step once it answers again after the connection was lost. */
export type Verdict =
  | {kind: 'rolled-back'; by: string; at?: string}
  | {kind: 'done'}
  /** Still armed and undecided: the window has not ended and nothing decided yet. */
  | {kind: 'armed'}
  /** Not reached again before `until`. */
  | {kind: 'unreachable'; reason: string};

export interface Reconciled {
  verdict: Verdict;
  /** The target's journal entries of this run (all of them: the caller appends what its copy lacks). */
  entries: JournalEntry[];
  /** Reconnection attempts made. */
  attempts: number;
}

/** Backoff between reconnection attempts: 1, 2, 4 s, then every 5 s (each attempt also waits for ssh). */
export function backoffMs(attempt: number): number {
  return Math.min(5000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** Reads the step's state and the run's journal entries in one round trip (read-only). */
function reconcileScript(runId: string, stepId: string): string {
  const d = stepDir(runId, stepId);
  return [
    `printf '${STATE_MARK} %s\\n' "$(cat ${quote(`${d}/state`)} 2>/dev/null)"`,
    `grep -F ${quote(`"run":"${runId}"`)} ${JOURNAL} 2>/dev/null`,
    'exit 0',
  ].join('\n');
}

/**
 * One journal entry as the target wrote it, read through the journal's schema (core/journal-entry.ts)
 * before it may enter the operator's journal copy (the server's text is data: a compromised server must
 * not plant lines there). Returns the entry rebuilt from the fields its kind has, or undefined when it is
 * not this run's, does not fit, or is of a newer journal version (not to be guessed at).
 */
export function checkedEntry(raw: unknown, runId: string): JournalEntry | undefined {
  const read = readJournalLine(raw);
  return 'entry' in read && read.entry.run === runId ? read.entry : undefined;
}

export function verdictOf(stdout: string, runId: string, stepId: string): {verdict: Verdict; entries: JournalEntry[]} {
  const state = stateOf(stdout);
  const entries = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        const ok = checkedEntry(JSON.parse(l), runId);
        return ok ? [ok] : [];
      } catch {
        return [];
      }
    });
  const last = entries.filter(
    (e) => 'step' in e && e.step === stepId && (e.kind === 'step.done' || e.kind === 'step.rolled-back'),
  );
  const end = last.at(-1);
  if (end?.kind === 'step.rolled-back') return {verdict: {kind: 'rolled-back', by: end.by, at: end.at}, entries};
  if (end?.kind === 'step.done' || state === 'committed') return {verdict: {kind: 'done'}, entries};
  if (state === 'rolled-back' || state === 'rolling-back')
    return {verdict: {kind: 'rolled-back', by: 'timer'}, entries};
  return {verdict: {kind: 'armed'}, entries};
}

/**
 * After the connection to the target was lost with a step armed: reconnects with backoff until the target
 * answers or `until` (epoch ms) passes, and reads what the target's journal says became of the step. Never
 * changes anything on the target.
 */
export async function reconcile(o: {
  target: Target;
  runId: string;
  stepId: string;
  until: number;
  /**
   * Other ways in to try when the target's own does not answer: the routes the step proves (close-ports
   * closes the public address the run came in on and proves the tunnel, the way that remains).
   */
  alternates?: readonly ProofRoute[];
  /** Told before each wait, to show it: the attempt number and the wait. */
  onRetry?: (attempt: number, waitMs: number, reason: string) => void;
  sleep?: (ms: number) => Promise<void>;
}): Promise<Reconciled> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let reason = 'the target did not answer';
  const ask = async (t: Target) => {
    const r = await t.run(reconcileScript(o.runId, o.stepId), {timeoutMs: 30_000});
    if (r.code !== 0) throw new Error(r.stderr.trim() || `exit ${r.code}`);
    return r.stdout;
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return {...verdictOf(await ask(o.target), o.runId, o.stepId), attempts: attempt};
    } catch (e) {
      reason = (e as Error).message;
    }
    for (const route of o.target.reroute ? (o.alternates ?? []) : []) {
      const t = await o.target.reroute?.(route).catch(() => undefined);
      if (!t) continue;
      try {
        return {...verdictOf(await ask(t), o.runId, o.stepId), attempts: attempt};
      } catch {
        // Not that way either; the backoff goes on.
      } finally {
        await t.close().catch(() => undefined);
      }
    }
    const wait = backoffMs(attempt);
    if (Date.now() + wait > o.until) return {verdict: {kind: 'unreachable', reason}, entries: [], attempts: attempt};
    o.onRetry?.(attempt, wait, reason);
    await sleep(wait);
  }
}
