import {appendFileSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {stateHome} from '../core/paths.js';

/**
 * Journal entries. The target keeps the authoritative copy (/var/lib/portcullis/journal.jsonl, root
 * only); the operator's machine keeps a copy under the XDG state dir. Entries never hold file contents
 * or key material: before-images stay on the target next to the files they restore.
 */
export type JournalEntry = {at?: string; run: string} & (
  | {kind: 'run.begin'; target: string; recipe: string; tool: string}
  | {kind: 'step.begin'; step: string; touches: string[]}
  | {kind: 'action.begin'; step: string; i: number; summary: string}
  | {kind: 'action.done'; step: string; i: number}
  | {kind: 'action.failed'; step: string; i: number; code: number}
  /** `deadline`: when the window ends, epoch seconds (UTC), fixed by the target as it armed the timer. */
  | {kind: 'timer.armed'; step: string; seconds: number; deadline?: number}
  | {kind: 'proof.ok'; step: string; route: string}
  | {kind: 'proof.failed'; step: string; route: string; reason: string}
  | {kind: 'timer.disarmed'; step: string}
  | {kind: 'step.done'; step: string; changed: number}
  | {kind: 'step.rolled-back'; step: string; by: string}
  | {kind: 'run.end'; status: 'applied' | 'failed' | 'rolled-back'}
  /** Written on the target by the packages-ahead job (ahead.ts): never a step's change, never rolled back. */
  | {kind: 'packages.ahead'; mode: 'install' | 'download'; packages: string[]}
  | {kind: 'packages.ahead.done'; code: number}
);

export function localJournalPath(targetName: string): string {
  return join(stateHome(), 'portcullis', targetName.replace(/[^A-Za-z0-9_.@:-]/g, '_'), 'journal.jsonl');
}

export class LocalJournal {
  constructor(readonly path: string) {
    mkdirSync(join(path, '..'), {recursive: true, mode: 0o700});
  }

  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    appendFileSync(this.path, entries.map((e) => `${JSON.stringify(e)}\n`).join(''), {mode: 0o600});
  }
}

export function parseJournal(text: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JournalEntry);
    } catch {
      // A torn last line (the writer died mid-append) is ignored: the entry it would hold never counted.
    }
  }
  return out;
}

export type StepState = 'done' | 'rolled-back' | 'in-doubt' | 'armed';

/** Checkpoints are derived from the journal, never stored: the last state of each step of each run. */
export function checkpoints(entries: readonly JournalEntry[]): {run: string; step: string; state: StepState}[] {
  const map = new Map<string, {run: string; step: string; state: StepState}>();
  for (const e of entries) {
    if (!('step' in e)) continue;
    const key = `${e.run}/${e.step}`;
    const cur = map.get(key) ?? {run: e.run, step: e.step, state: 'in-doubt' as StepState};
    if (e.kind === 'step.done') cur.state = 'done';
    else if (e.kind === 'step.rolled-back') cur.state = 'rolled-back';
    else if (e.kind === 'timer.armed') cur.state = 'armed';
    else if (e.kind === 'timer.disarmed') cur.state = 'in-doubt';
    map.set(key, cur);
  }
  return [...map.values()];
}

/** A dead-man timer armed and not yet ended (disarmed, rolled back or done): when it restores its step. */
export interface ArmedWindow {
  run: string;
  step: string;
  /** Epoch ms when the timer fires (the journal's armed time plus its seconds). */
  deadline: number;
}

/**
 * The armed windows the journal shows. Read from the target's journal, so only a well-formed time and a
 * number of seconds within a day count; anything else is left out rather than guessed.
 */
export function armedWindows(entries: readonly JournalEntry[]): ArmedWindow[] {
  const armed = new Map<string, ArmedWindow>();
  for (const e of entries) {
    if (!('step' in e)) continue;
    const key = `${e.run}/${e.step}`;
    if (e.kind === 'timer.armed') {
      const at =
        typeof e.at === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(e.at) ? Date.parse(e.at) : Number.NaN;
      const ok =
        Number.isFinite(at) &&
        Number.isInteger(e.seconds) &&
        e.seconds > 0 &&
        e.seconds <= 86_400 &&
        // Names that reach the operator's terminal: a step id and a run id as portcullis writes them.
        /^[a-z0-9-]{1,40}$/.test(String(e.step)) &&
        /^[A-Za-z0-9-]{1,40}$/.test(String(e.run));
      if (ok) armed.set(key, {run: e.run, step: e.step, deadline: at + e.seconds * 1000});
    } else if (e.kind === 'timer.disarmed' || e.kind === 'step.rolled-back' || e.kind === 'step.done') {
      armed.delete(key);
    }
  }
  return [...armed.values()];
}
