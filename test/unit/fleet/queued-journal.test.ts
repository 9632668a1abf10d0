import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {parseJournal} from '../../../src/engine/journal.js';
import {QueuedJournal} from '../../../src/fleet/queued-journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'pc-qj-'));
  dirs.push(d);
  return d;
};

describe("a fleet host's journal copy on the operator's machine", () => {
  it('holds every entry, in order, 0600 in a 0700 directory, once flushed', async () => {
    const path = join(tmp(), 'root@h:22', 'journal.jsonl');
    const j = new QueuedJournal(path);
    for (let i = 0; i < 200; i++) j.append([{run: 'R', kind: 'action.done', step: 's', i}]);
    j.append([]);
    await j.flush();
    const entries = parseJournal(readFileSync(path, 'utf8'));
    expect(entries.map((e) => ('i' in e ? e.i : -1))).toEqual(Array.from({length: 200}, (_, i) => i));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
  });

  it('says so at flush when the copy could not be written', async () => {
    const d = tmp();
    // A file where the directory should be: refused even for root.
    writeFileSync(join(d, 'taken'), '');
    const j = new QueuedJournal(join(d, 'taken', 'journal.jsonl'));
    j.append([{run: 'R', kind: 'run.end', status: 'applied'}]);
    await expect(j.flush()).rejects.toThrow(/EEXIST|ENOTDIR/);
  });
});
