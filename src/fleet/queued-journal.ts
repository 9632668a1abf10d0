import {type FileHandle, mkdir, open} from 'node:fs/promises';
import {dirname} from 'node:path';
import {type JournalEntry, journalText} from '../core/journal-entry.js';

/**
 * The operator-side copy of a host's journal in a fleet run (the target keeps the authoritative one):
 * the same file and lines as LocalJournal, appended in order, but without blocking the event loop, so
 * one host's journal writes never hold the other hosts in flight. The file is opened once (append mode,
 * 0600 in a 0700 directory); entries that arrive while a write is in flight go out together in the
 * next one. `flush()` resolves once every entry is written and the file is closed (the host's result is
 * reported only after it), or rejects with the first error.
 */
/** The journal copy being created last: copies are created one at a time, in order of first entry. */
let lastOpen: Promise<unknown> = Promise.resolve();

/**
 * Creates (or opens) a copy's directory and file after the one before it. A fleet's first run creates a
 * directory and a file per host: side by side, up to four at once on libuv's threads, that system work
 * took a core from the event loop the hosts share (bench/fleet.ts, docs/benchmarks.md). In turn it
 * keeps to one thread, and no host waits for it: entries queue until their file is open.
 */
function openInTurn(path: string): Promise<FileHandle> {
  const fh = lastOpen
    .then(
      () => undefined,
      () => undefined,
    )
    .then(async () => {
      await mkdir(dirname(path), {recursive: true, mode: 0o700});
      return open(path, 'a', 0o600);
    });
  lastOpen = fh.catch(() => undefined);
  return fh;
}

export class QueuedJournal {
  private pending: string[] = [];
  private writing: Promise<void> | undefined;
  private file: Promise<FileHandle> | undefined;
  private error: Error | undefined;

  constructor(readonly path: string) {}

  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0 || this.error) return;
    for (const e of entries) this.pending.push(journalText(e));
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      this.file ??= openInTurn(this.path);
      const fh = await this.file;
      while (this.pending.length) {
        const text = this.pending.join('');
        this.pending = [];
        // One write call (the file is in append mode): FileHandle.appendFile goes through writeFile's
        // chunking loop, several times the event-loop work per entry (bench/fleet.ts profile).
        const buf = Buffer.from(text);
        for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off)).bytesWritten;
      }
    } catch (e) {
      this.error ??= e as Error;
      this.pending = [];
    } finally {
      this.writing = undefined;
    }
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    const fh = this.file;
    this.file = undefined;
    if (fh) await (await fh.catch(() => undefined))?.close();
    if (this.error) throw this.error;
  }
}
