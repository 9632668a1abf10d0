import type {Target} from '../target/types.js';
import {RunError} from '../util/errors.js';
import {quote} from '../util/shell.js';
import {checkpoints, type JournalEntry, parseJournal} from './journal.js';
import {JOURNAL, stepDir} from './paths.js';

export async function readTargetJournal(target: Target): Promise<JournalEntry[]> {
  const r = await target.run(`cat ${JOURNAL} 2>/dev/null; exit 0`);
  return parseJournal(r.stdout);
}

/** Steps still in effect (applied, armed or in doubt), newest first. */
export function undoable(entries: readonly JournalEntry[], to?: string): {run: string; step: string}[] {
  const states = checkpoints(entries);
  const order: {run: string; step: string}[] = [];
  for (const e of entries) if (e.kind === 'step.begin') order.push({run: e.run, step: e.step});
  const live = order.filter((o) =>
    states.find((s) => s.run === o.run && s.step === o.step && s.state !== 'rolled-back'),
  );
  const out: {run: string; step: string}[] = [];
  for (const o of live.reverse()) {
    if (to && o.step === to) break;
    if (!out.some((x) => x.run === o.run && x.step === o.step)) out.push(o);
  }
  return out;
}

/** Runs each step's own rollback script on the target, newest first. Each restores its before-images byte for byte. */
export async function rollbackSteps(
  target: Target,
  list: readonly {run: string; step: string}[],
  onStep: (s: {run: string; step: string}) => void,
) {
  for (const s of list) {
    onStep(s);
    const r = await target.run(`/bin/sh ${quote(`${stepDir(s.run, s.step)}/rollback.sh`)} operator`, {
      timeoutMs: 120_000,
    });
    if (r.code !== 0)
      throw new RunError(`rolling back ${s.step} of run ${s.run} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
}
