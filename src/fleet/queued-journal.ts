import {appendFile, mkdir} from 'node:fs/promises';
import {dirname} from 'node:path';
import type {JournalEntry} from '../engine/journal.js';

/**
 * The operator-side copy of a host's journal in a fleet run (the target keeps the authoritative one):
 * the same file and lines as LocalJournal, appended in order, but without blocking the event loop, so
 * one host's journal writes never hold the other hosts in flight. `flush()` resolves once every entry
 * is on disk (the host's result is reported only after it), or rejects with the first write error.
 */
export class QueuedJournal {
  private chain: Promise<void>;
  private error: Error | undefined;

  constructor(readonly path: string) {
    this.chain = mkdir(dirname(path), {recursive: true, mode: 0o700}).then(
      () => undefined,
      (e: Error) => {
        this.error = e;
      },
    );
  }

  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    const text = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
    this.chain = this.chain.then(async () => {
      if (this.error) return;
      try {
        await appendFile(this.path, text, {mode: 0o600});
      } catch (e) {
        this.error = e as Error;
      }
    });
  }

  async flush(): Promise<void> {
    await this.chain;
    if (this.error) throw this.error;
  }
}
