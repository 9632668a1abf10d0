import {JOURNAL, stepDir} from '../core/paths.js';
import type {ProofRoute, Target} from '../target/types.js';
import {InputError, RunError} from '../util/errors.js';
import {quote} from '../util/shell.js';
import {checkpoints, type JournalEntry, parseJournal} from './journal.js';
import {ARRIVAL_SCRIPT, hopRoutes, parseArrival, type StepRef, threat} from './rollback-route.js';

/** The target's whole journal, read through its schema; `warn` is told about lines left out (parseJournal). */
export async function readTargetJournal(target: Target, warn?: (message: string) => void): Promise<JournalEntry[]> {
  const r = await target.run(`cat ${JOURNAL} 2>/dev/null; exit 0`);
  return parseJournal(r.stdout, warn);
}

/**
 * Steps still in effect (applied, armed or in doubt), newest first; with `to`, only those after it.
 * `runbook` is every step id in runbook order: a `to` that changed nothing in any run left no trace in the
 * journal, and then the steps in effect that come after it in that order are the ones after it.
 */
export function undoable(
  entries: readonly JournalEntry[],
  to?: string,
  runbook: readonly string[] = [],
): {run: string; step: string}[] {
  const states = checkpoints(entries);
  const order: {run: string; step: string}[] = [];
  for (const e of entries) if (e.kind === 'step.begin') order.push({run: e.run, step: e.step});
  const live = order.filter((o) =>
    states.find((s) => s.run === o.run && s.step === o.step && s.state !== 'rolled-back'),
  );
  const stop = to === undefined ? undefined : stopPoint(entries, live, to);
  const after = (step: string) => runbook.indexOf(step) > runbook.indexOf(to ?? '');
  if (to !== undefined && !stop && !runbook.includes(to)) throw new InputError(`--to: there is no step ${to}`);
  const out: {run: string; step: string}[] = [];
  for (const o of to !== undefined && !stop ? live.filter((x) => after(x.step)).reverse() : live.reverse()) {
    if (o === stop) break;
    if (!out.some((x) => x.run === o.run && x.step === o.step)) out.push(o);
  }
  return out;
}

/**
 * Where `--to STEP` stops: the newest time STEP changed the server. A step that only proves (verify-tunnel)
 * or found nothing to change is journaled again by every re-run without marking a new state, so when STEP
 * never changed anything, the first time it ran is the point meant.
 */
function stopPoint(
  entries: readonly JournalEntry[],
  live: readonly {run: string; step: string}[],
  to: string,
): {run: string; step: string} | undefined {
  const mine = live.filter((o) => o.step === to);
  const changed = (o: {run: string}) =>
    entries.some((e) => e.kind === 'step.done' && e.run === o.run && e.step === to && e.changed > 0);
  return mine.filter(changed).at(-1) ?? mine[0];
}

/** Told as the rollback goes: each step before it is rolled back, and each move to another way in. */
export interface RollbackProgress {
  step(s: StepRef): void;
  hop(message: string): void;
}

/**
 * Runs each step's own rollback script on the target, newest first; each restores its before-images byte
 * for byte. The connection it runs on is kept until last: before a step whose rollback would cut it (the
 * tunnel it came through, the account it logs in as), a fresh login proves another way in that the steps
 * rolled back so far have given back, and the rest runs over that one. Where none proves, it stops there,
 * the current way in untouched, with what to do. Returns the target it ended on (the caller closes it,
 * and `target` too: closing one twice is harmless).
 */
export async function rollbackSteps(
  target: Target,
  entries: readonly JournalEntry[],
  list: readonly StepRef[],
  progress: RollbackProgress,
): Promise<Target> {
  let current = target;
  let arrival = current.kind === 'ssh' ? parseArrival((await current.run(ARRIVAL_SCRIPT)).stdout) : undefined;
  for (const [i, s] of list.entries()) {
    const why = arrival && threat(entries, s, arrival, current);
    if (arrival && why) {
      const next = await hop(current, hopRoutes(entries, s, why, arrival, current), s, why, list.slice(i), progress);
      if (next) {
        // The login left behind must not hold the account a later rollback removes.
        await current.close().catch(() => undefined);
        current = next;
        arrival = parseArrival((await current.run(ARRIVAL_SCRIPT)).stdout);
      }
    }
    progress.step(s);
    const r = await current.run(`/bin/sh ${quote(`${stepDir(s.run, s.step)}/rollback.sh`)} operator`, {
      timeoutMs: 120_000,
    });
    if (r.code !== 0)
      throw new RunError(`rolling back ${s.step} of run ${s.run} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
  return current;
}

/** A fresh login over `route`; sshd re-binding its ports after a rollback's reload may refuse for a moment. */
async function proveFresh(target: Target, route: ProofRoute) {
  let res = await target.probe(route);
  for (let i = 0; i < 8 && !res.ok && /refused|closed the connection/.test(res.reason); i++) {
    await new Promise((r) => setTimeout(r, 500));
    res = await target.probe(route);
  }
  return res;
}

/**
 * Proves the first route that lets a fresh login in and opens a target over it. Through the tunnel there
 * is no going on without one (that would cut the only way in); for an account, the rollback goes on over
 * the current connection when no other way proves (the account stays if it is in use).
 */
async function hop(
  current: Target,
  routes: readonly {user: string; host: string; port: number; timeoutS: number}[],
  s: StepRef,
  why: 'tunnel' | 'account',
  left: readonly StepRef[],
  progress: RollbackProgress,
): Promise<Target | undefined> {
  const tried: string[] = [];
  for (const route of routes) {
    const proof = current.reroute
      ? await proveFresh(current, route)
      : {ok: false as const, reason: 'a local run', ms: 0};
    if (proof.ok && current.reroute) {
      progress.hop(`${current.describeRoute(route)} lets a fresh login in: the rest of the rollback goes that way`);
      return current.reroute(route);
    }
    tried.push(`${current.describeRoute(route)}: ${proof.ok ? 'no way to reconnect' : proof.reason}`);
  }
  const rest = left.map((x) => x.step).join(', ');
  if (why === 'tunnel')
    throw new RunError(
      `stopped before rolling back ${s.step}: this rollback runs through the tunnel that ${s.step} set up, and no other way in lets a fresh login in from here (${tried.join('; ') || 'no public address is journaled'}); the tunnel is kept. Open public SSH, then roll back ${rest} over it: portcullis rollback USER@PUBLIC-ADDRESS:${current.port}`,
    );
  progress.hop(
    `no other way in than this login proved (${tried.join('; ') || 'none journaled'}): ${s.step} is rolled back over it, and an account it uses is kept`,
  );
  return undefined;
}
