import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {JOURNAL_VERSION, type JournalEntry} from '../../src/core/journal-entry.js';
import {STATE_DIR} from '../../src/core/paths.js';
import {LocalJournal, parseJournal} from '../../src/engine/journal.js';
import {splitOutput} from '../../src/engine/protocol.js';
import {checkedEntry} from '../../src/engine/reconnect.js';
import {journalLine, rolledBackEntry, SEGMENT_PRELUDE} from '../../src/engine/scripts.js';
import {RunError} from '../../src/util/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'pc-journal-schema-'));
  dirs.push(d);
  return d;
};

const AT = '2026-12-03T08:00:20Z';
const done: JournalEntry = {run: 'RUN', kind: 'step.done', step: 'firewall', changed: 2};

describe('the journal is written with its version', () => {
  it('on the target (every segment and the rollback script) and in the operator copy, every line carries v', () => {
    const root = tmp();
    const script = [SEGMENT_PRELUDE, journalLine(done), rolledBackEntry('RUN', 'firewall', "'timer'")]
      .join('\n')
      .replaceAll(STATE_DIR, root);
    const r = spawnSync('sh', ['-c', script], {encoding: 'utf8'});
    expect(r.status, r.stderr).toBe(0);
    const local = join(root, 'copy', 'journal.jsonl');
    new LocalJournal(local).append([done]);
    const written = [readFileSync(join(root, 'journal.jsonl'), 'utf8'), readFileSync(local, 'utf8')].join('');
    const lines = written.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(JSON.parse(l).v).toBe(JOURNAL_VERSION);
    // Read back through the schema: the entries as written (the version is the line's, not the entry's).
    expect(parseJournal(written).map(({at: _, ...e}) => e)).toEqual([
      done,
      {run: 'RUN', kind: 'step.rolled-back', step: 'firewall', by: 'timer'},
      done,
    ]);
  });
});

describe('the journal is read through its schema', () => {
  it('reads a line without a version (written before it had one) as version 1', () => {
    const old = JSON.stringify({at: AT, ...done});
    const v1 = JSON.stringify({at: AT, v: 1, ...done});
    expect(parseJournal(`${old}\n${v1}\n`)).toEqual([
      {at: AT, ...done},
      {at: AT, ...done},
    ]);
  });

  it('refuses a journal of a newer version with one line, rather than misreading it', () => {
    const text = `${JSON.stringify({at: AT, ...done})}\n${JSON.stringify({v: 2, run: 'RUN', kind: 'step.done', step: 'x', changed: 1, new: 'field'})}\n`;
    expect(() => parseJournal(text)).toThrow(RunError);
    expect(() => parseJournal(text)).toThrow(/journal version 2, written by a newer portcullis.*upgrade portcullis/);
    try {
      parseJournal(text);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('never acts on a hostile line: each is left out, and the reader is told how many', () => {
    const hostile = [
      JSON.stringify({v: '1', ...done}),
      JSON.stringify({v: 0, ...done}),
      JSON.stringify({v: 1.5, ...done}),
      JSON.stringify({v: null, ...done}),
      JSON.stringify({run: 'RUN', kind: 'made.up', step: 's'}),
      JSON.stringify({run: 'RUN', kind: 'step.done', step: '../../etc', changed: 1}),
      JSON.stringify({run: 'RUN', kind: 'step.done', step: 's', changed: '1; reboot'}),
      JSON.stringify({run: 'RUN', kind: 'step.rolled-back', step: 's', by: 'timer; rm -rf ~'}),
      JSON.stringify({run: 'RUN', kind: 'proof.failed', step: 's', route: 'ssh h', reason: 'x\u001b]52;c;owned\u0007'}),
      JSON.stringify({at: 'yesterday', run: 'RUN', kind: 'timer.disarmed', step: 's'}),
      JSON.stringify({run: 'RUN\nforged', kind: 'timer.disarmed', step: 's'}),
      JSON.stringify({run: 'RUN', kind: 'timer.armed', step: 's', seconds: 1e300}),
      JSON.stringify({run: 'RUN', kind: 'run.end', status: 'rolled-back-ish'}),
      JSON.stringify({run: 'RUN', kind: 'packages.ahead', mode: 'install', packages: ['nginx; reboot']}),
      JSON.stringify({run: 'RUN', kind: 'step.begin', step: 's', touches: Array(201).fill('/etc/x')}),
      '{"__proto__":{"kind":"step.done"},"run":"RUN"}',
      JSON.stringify([done]),
      'null',
      '42',
      '"step.done"',
      'not json at all',
    ];
    const good = JSON.stringify({...done, extra: 'dropped'});
    const warnings: string[] = [];
    const read = parseJournal([...hostile, good, '{"run":"RUN","kind":"ste'].join('\n'), (m) => warnings.push(m));
    expect(read).toEqual([done]);
    expect(warnings).toEqual([`${hostile.length} line(s) of the journal do not fit its schema and were ignored`]);
    // A torn last line alone (the writer died mid-append) is no warning: the entry never counted.
    const quiet: string[] = [];
    expect(parseJournal(`${good}\n{"run":"RUN","ki`, (m) => quiet.push(m))).toEqual([done]);
    expect(quiet).toEqual([]);
  });

  it('lines echoed by a segment, or read back after a lost connection, go through the same schema', () => {
    const future = `@@PCJ ${JSON.stringify({at: AT, v: 2, ...done})}`;
    const forged = `@@PCJ ${JSON.stringify({at: AT, v: 1, run: 'RUN', kind: 'step.done', step: 'x', changed: 'all'})}`;
    const ok = `@@PCJ ${JSON.stringify({at: AT, v: 1, ...done})}`;
    const out = splitOutput([future, forged, ok, 'plain output'].join('\n'));
    expect(out.journal).toEqual([{at: AT, ...done}]);
    // Not recorded, not acted on: shown as the step's output (escaped by the engine's event sink).
    expect(out.lines).toEqual([future, forged, 'plain output']);
    expect(checkedEntry({at: AT, v: 2, ...done}, 'RUN')).toBeUndefined();
    expect(checkedEntry({at: AT, v: 1, ...done}, 'RUN')).toEqual({at: AT, ...done});
    expect(checkedEntry({at: AT, v: 1, ...done}, 'OTHER')).toBeUndefined();
  });
});
