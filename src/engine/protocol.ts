/**
 * The shell protocol between the engine and the target: every `@@` marker a script run on the target
 * prints, and the parser that reads it back. A marker stands at the start of a line; what follows it on
 * the line (and, for framed items, the next line: base64) is data from the target, parsed here and never
 * run. The SSH transport's own hold marker (`@@HOLD`, src/target/ssh-target.ts) lives below the engine
 * with the transport that reads it.
 */

import {type JournalEntry, readJournalLine} from '../core/journal-entry.js';
import type {ProbeData, ProbeRequest} from '../core/types.js';
import {quote} from '../util/shell.js';
import {AS_USER_FN} from './as-user.js';

/** A journal entry echoed by a segment's `pcj` (scripts.ts SEGMENT_PRELUDE) for the local copy. */
export const JOURNAL_MARK = '@@PCJ ';
/** Before the probe's output in the read after a step (after-step.ts). */
export const PROBE_MARK = '@@PC-PROBE';
/** Before the facts' output in the read after a step (after-step.ts). */
export const FACTS_MARK = '@@PC-FACTS';
/** Before the read-only tail of a step's last segment (execute-step.ts): not the step's output. */
export const TAIL_MARK = '@@PC-TAIL';
/** A file the probe read: `@@F <octal mode> <path>`, then its content in base64 on the next line. */
const FILE_MARK = '@@F';
/** A file the probe did not find: `@@N <path>`. */
const NO_FILE_MARK = '@@N';
/** A query the probe ran: `@@Q <exit code> <name>`, then its output in base64 on the next line. */
const QUERY_MARK = '@@Q';
const FILE_LINE = new RegExp(`^${FILE_MARK} ([0-7]+) (.*)$`);
const NO_FILE_LINE = new RegExp(`^${NO_FILE_MARK} (.*)$`);
const QUERY_LINE = new RegExp(`^${QUERY_MARK} (\\d+) (.*)$`);
/** The lock script's answers (lock.ts): held by a live run, stale (then its journal, then END), taken. */
export const LOCK_HELD = '@@HELD';
export const LOCK_STALE = '@@STALE';
export const LOCK_END = '@@END';
export const LOCK_TAKEN = '@@LOCKED';
/** The step's state file in the reconciliation read (reconnect.ts): `@@STATE <state>`. */
export const STATE_MARK = '@@STATE';
/** One evidence item (evidence/capture.ts): `@@EV <file>`, then its bytes in base64 on the next line. */
export const EVIDENCE_MARK = '@@EV ';
/** Between wg0.conf and `wg show latest-handshakes` in the peers read (cli/commands/peers.ts). */
export const HANDSHAKES_MARK = '@@HS';

/** Whether a line of a segment's output is a journal entry echoed by `pcj` (not the step's output). */
export function isJournalLine(line: string): boolean {
  return line.startsWith(JOURNAL_MARK);
}

/** A segment's output split into the journal entries it echoed and the step's own output lines. */
export function splitOutput(stdout: string): {journal: JournalEntry[]; lines: string[]} {
  const journal: JournalEntry[] = [];
  const lines: string[] = [];
  for (const l of stdout.split('\n')) {
    const e = l.startsWith(JOURNAL_MARK) ? echoedEntry(l) : undefined;
    if (e) journal.push(e);
    else if (l) lines.push(l);
  }
  return {journal, lines};
}

/**
 * The entry a `pcj` line echoed, read through the journal's schema; undefined when it does not fit (then
 * it is only output: never recorded, never acted on).
 */
function echoedEntry(line: string): JournalEntry | undefined {
  try {
    const read = readJournalLine(JSON.parse(line.slice(JOURNAL_MARK.length)));
    return 'entry' in read ? read.entry : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The deadline the target fixed when it armed a step's timer, from its journal line as it streams in:
 * `server` in epoch seconds (UTC), `local` the same moment on this machine's clock (the line is printed
 * as it is written, so the window left is measured on the target's clock). Undefined for any other line.
 */
export function serverDeadline(line: string, receivedAt: number): {server: number; local: number} | undefined {
  if (!line.startsWith(JOURNAL_MARK) || !line.includes('"timer.armed"')) return undefined;
  const e = echoedEntry(line);
  if (e?.kind !== 'timer.armed' || e.deadline === undefined) return undefined;
  const at = Date.parse(e.at ?? '') / 1000;
  const left = Number.isFinite(at) ? Math.min(Math.max(e.deadline - at, 0), e.seconds) : e.seconds;
  return {server: e.deadline, local: receivedAt + left * 1000};
}

/** One round trip that reads files and runs read-only queries for any number of steps. */
export function probeScript(req: ProbeRequest): string {
  const lines = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH',
    'export LC_ALL=C',
    AS_USER_FN,
    `pf() { if [ -f "$1" ]; then m=$(stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"); printf '${FILE_MARK} %s %s\\n' "$m" "$1"; base64 < "$1" | tr -d '\\n'; echo; else printf '${NO_FILE_MARK} %s\\n' "$1"; fi; }`,
  ];
  for (const f of req.files ?? []) lines.push(`pf ${quote(f)}`);
  for (const [name, q] of Object.entries(req.queries ?? {})) {
    lines.push(
      `out=$( { ${q}\n} 2>&1 ); rc=$?; printf '${QUERY_MARK} %s %s\\n' "$rc" ${quote(name)}; printf '%s' "$out" | base64 | tr -d '\\n'; echo`,
    );
  }
  return lines.join('\n');
}

/** The files and queries a probe script printed. */
export function parseProbe(stdout: string): ProbeData {
  const data: ProbeData = {files: {}, queries: {}};
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    let m = FILE_LINE.exec(l);
    if (m) {
      data.files[m[2] ?? ''] = {
        exists: true,
        mode: Number.parseInt(m[1] ?? '0', 8),
        content: Buffer.from(lines[++i] ?? '', 'base64').toString('utf8'),
      };
      continue;
    }
    m = NO_FILE_LINE.exec(l);
    if (m) {
      data.files[m[1] ?? ''] = {exists: false};
      continue;
    }
    m = QUERY_LINE.exec(l);
    if (m)
      data.queries[m[2] ?? ''] = {code: Number(m[1]), out: Buffer.from(lines[++i] ?? '', 'base64').toString('utf8')};
  }
  return data;
}

/** Where `mark` stands alone on a line of `out` (the index of its first character), or -1. */
export function lineAt(out: string, mark: string): number {
  if (out.startsWith(`${mark}\n`)) return 0;
  const i = out.indexOf(`\n${mark}\n`);
  return i < 0 ? -1 : i + 1;
}

/** The state a reconciliation read printed for the step (`@@STATE`), trimmed; '' when absent. */
export function stateOf(stdout: string): string {
  return new RegExp(`^${STATE_MARK} (.*)$`, 'm').exec(stdout)?.[1]?.trim() ?? '';
}

/** The evidence capture's framed items, by the name after each `@@EV` (unchecked: the caller filters). */
export function evidenceFrames(stdout: string): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (!l.startsWith(EVIDENCE_MARK)) continue;
    out.push([l.slice(EVIDENCE_MARK.length), Buffer.from(lines[++i] ?? '', 'base64')]);
  }
  return out;
}

/** The peers read split at its mark: the server's wg0.conf, and `wg show latest-handshakes`. */
export function splitHandshakes(stdout: string): [string, string] {
  const [conf = '', hs = ''] = stdout.split(`${HANDSHAKES_MARK}\n`);
  return [conf, hs];
}
