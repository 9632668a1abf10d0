import {appendFileSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {futureJournalMessage, type JournalEntry, journalText, readJournalLine} from '../core/journal-entry.js';
import {stateHome} from '../core/paths.js';
import {RunError} from '../util/errors.js';

export type {JournalEntry} from '../core/journal-entry.js';

export function localJournalPath(targetName: string): string {
  return join(stateHome(), 'portcullis', targetName.replace(/[^A-Za-z0-9_.@:-]/g, '_'), 'journal.jsonl');
}

export class LocalJournal {
  constructor(readonly path: string) {
    mkdirSync(join(path, '..'), {recursive: true, mode: 0o700});
  }

  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    appendFileSync(this.path, entries.map(journalText).join(''), {mode: 0o600});
  }
}

/**
 * A journal's lines, each read through the journal's schema (core/journal-entry.ts). A line that does
 * not fit is left out and never acted on (the target's journal is the target's output: it may have been
 * tampered with); `warn` is told how many were. A torn last line (the writer died mid-append) is left out
 * silently: the entry it would hold never counted. A line of a newer journal version refuses the whole
 * read (RunError): its entries would be misread.
 */
export function parseJournal(text: string, warn?: (message: string) => void): JournalEntry[] {
  const out: JournalEntry[] = [];
  const lines = text.split('\n').filter((l) => l.trim());
  let skipped = 0;
  for (const [n, line] of lines.entries()) {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      if (n < lines.length - 1) skipped++;
      continue;
    }
    const read = readJournalLine(raw);
    if ('future' in read) throw new RunError(futureJournalMessage('the journal', read.future));
    if ('entry' in read) out.push(read.entry);
    else skipped++;
  }
  if (skipped) warn?.(`${skipped} line(s) of the journal do not fit its schema and were ignored`);
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
