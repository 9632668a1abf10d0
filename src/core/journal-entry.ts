import {z} from 'zod';

/**
 * One line of the journal (journal.jsonl on the target, and the operator's copy), as written and as read.
 * Every line written carries the journal's version, `v`; a line without one was written before the field
 * existed and reads as version 1. The target's journal is the target's output: a line is read through
 * this schema or not at all (see `readJournalLine`), never cast.
 */
export const JOURNAL_VERSION = 1;

const STEP = /^[a-z0-9][a-z0-9-]{0,63}$/;
const AT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const BY = /^[a-z][a-z-]{0,31}$/;
const PACKAGE = /^[a-z0-9][a-z0-9+.-]{0,99}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refuses control characters in the target's text
const TEXT = /^[^\u0000-\u001f\u007f-\u009f]{0,500}$/;

const text = z.string().regex(TEXT);
const int = z.int();
/** Fields of every entry: when the target wrote it (UTC, to the second) and the run it belongs to. */
const base = {at: z.string().regex(AT).optional(), run: text};
const step = z.string().regex(STEP);

const ENTRY = z.discriminatedUnion('kind', [
  z.object({...base, kind: z.literal('run.begin'), target: text, recipe: text, tool: text}),
  z.object({...base, kind: z.literal('step.begin'), step, touches: z.array(text).max(200)}),
  z.object({...base, kind: z.literal('action.begin'), step, i: int, summary: text}),
  z.object({...base, kind: z.literal('action.done'), step, i: int}),
  z.object({...base, kind: z.literal('action.failed'), step, i: int, code: int}),
  /** `deadline`: when the window ends, epoch seconds (UTC), fixed by the target as it armed the timer. */
  z.object({...base, kind: z.literal('timer.armed'), step, seconds: int, deadline: int.optional()}),
  z.object({...base, kind: z.literal('proof.ok'), step, route: text}),
  z.object({...base, kind: z.literal('proof.failed'), step, route: text, reason: text}),
  z.object({...base, kind: z.literal('timer.disarmed'), step}),
  z.object({...base, kind: z.literal('step.done'), step, changed: int}),
  z.object({...base, kind: z.literal('step.rolled-back'), step, by: z.string().regex(BY)}),
  z.object({...base, kind: z.literal('run.end'), status: z.enum(['applied', 'failed', 'rolled-back'])}),
  /** Written on the target by the packages-ahead job: never a step's change, never rolled back. */
  z.object({
    ...base,
    kind: z.literal('packages.ahead'),
    mode: z.enum(['install', 'download']),
    packages: z.array(z.string().regex(PACKAGE)),
  }),
  z.object({...base, kind: z.literal('packages.ahead.done'), code: int}),
]);

/**
 * Journal entries. The target keeps the authoritative copy (/var/lib/portcullis/journal.jsonl, root
 * only); the operator's machine keeps a copy under the XDG state dir. Entries never hold file contents
 * or key material: before-images stay on the target next to the files they restore.
 */
export type JournalEntry = z.infer<typeof ENTRY>;

/** One entry as a journal line (with its version), newline included. */
export function journalText(e: JournalEntry): string {
  return `${JSON.stringify({v: JOURNAL_VERSION, ...e})}\n`;
}

/**
 * A journal line's parsed JSON, read: the entry (rebuilt from the fields its kind has: anything else is
 * dropped), `future` when a newer portcullis wrote it (its meaning may differ: not to be guessed), or
 * `bad` when it does not fit (never acted on).
 */
export type JournalLine = {entry: JournalEntry} | {future: number} | {bad: true};

export function readJournalLine(raw: unknown): JournalLine {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {bad: true};
  const {v, ...rest} = raw as Record<string, unknown>;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > JOURNAL_VERSION) return {future: v};
  if (v !== undefined && v !== JOURNAL_VERSION) return {bad: true};
  const r = ENTRY.safeParse(rest);
  return r.success ? {entry: r.data} : {bad: true};
}

/** The one-line refusal of a journal a newer portcullis wrote. */
export function futureJournalMessage(where: string, v: number): string {
  return `${where} holds entries of journal version ${v}, written by a newer portcullis (this one reads version ${JOURNAL_VERSION}): upgrade portcullis to read it`;
}
