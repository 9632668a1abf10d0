import {execFileSync, spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {STATE_DIR} from '../../src/core/paths.js';
import type {Action, Step} from '../../src/core/types.js';
import {compileAction} from '../../src/engine/compile.js';
import {commitLine} from '../../src/engine/dead-man.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {applyRunbook} from '../../src/engine/runbook.js';
import {EXPIRED_EXIT, rollbackScript, SEGMENT_PRELUDE, stillArmedLine} from '../../src/engine/scripts.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {runValues} from '../helpers/run-values.js';

/**
 * The dead-man timer and the commit race when the operator's connection stalls after a proof: found by
 * the fault matrix (test/e2e/fault-matrix.test.ts), where a disarm that arrived after the timer had rolled
 * the step back still wrote `committed` and step.done, and the wizard reported the step applied.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
});

/** Runs shell lines in a real sh with the state dir moved under a temp dir and systemctl a no-op. */
function sandboxed(root: string, text: string): string {
  return text.replaceAll(STATE_DIR, `${root}/state`).replaceAll('systemctl ', 'true ');
}

function sh(root: string, text: string): {code: number; stderr: string} {
  const r = spawnSync('sh', ['-c', sandboxed(root, text)], {encoding: 'utf8'});
  return {code: r.status ?? -1, stderr: r.stderr};
}

describe('dead-man timer vs commit, in a real shell', () => {
  function armedStep() {
    const root = mkdtempSync(join(tmpdir(), 'pc-race-'));
    dirs.push(root);
    const file = join(root, 'etc.conf');
    const d = `${root}/state/runs/R/s`;
    mkdirSync(`${d}/before`, {recursive: true});
    writeFileSync(`${d}/before/0`, 'before\n');
    writeFileSync(file, 'changed\n');
    writeFileSync(`${d}/state`, 'armed\n');
    writeFileSync(`${d}/rollback.sh`, sandboxed(root, rollbackScript('R', 's', [file], [])));
    const journal = () => readFileSync(`${root}/state/journal.jsonl`, 'utf8');
    const state = () => readFileSync(`${d}/state`, 'utf8').trim();
    const rollback = (by: string) => execFileSync('sh', [`${d}/rollback.sh`, by]);
    const disarm = () =>
      sh(
        root,
        compileAction({kind: 'timer.disarm'}, {runId: 'R', stepId: 's', style: 'exec'})
          .map((l) => `{ ${l}\n} || exit 3`)
          .join('\n'),
      );
    return {root, file, state, journal, rollback, disarm};
  }

  it('a disarm that arrives after the timer rolled the step back refuses to commit', () => {
    const s = armedStep();
    s.rollback('timer');
    expect(readFileSync(s.file, 'utf8')).toBe('before\n');
    expect(s.state()).toBe('rolled-back');
    const r = s.disarm();
    expect(r.code).toBe(EXPIRED_EXIT);
    expect(r.stderr).toMatch(/dead-man timer ran out first/);
    // The later segments of the step find it no longer armed, too.
    expect(sh(s.root, stillArmedLine('R', 's')).code).toBe(EXPIRED_EXIT);
  });

  it('a timer that fires after the disarm took the claim leaves the committed step alone', () => {
    const s = armedStep();
    expect(s.disarm().code).toBe(0);
    // The timer fires before the segment got to write `committed`: it must not undo the proven change.
    s.rollback('timer');
    expect(readFileSync(s.file, 'utf8')).toBe('changed\n');
    expect(s.state()).toBe('armed');
    expect(sh(s.root, stillArmedLine('R', 's')).code).toBe(0);
  });

  it('after a failure the rollback restores again, although the timer already rolled back', () => {
    const s = armedStep();
    s.rollback('timer');
    // A segment that overlapped the timer's rollback wrote the file again.
    writeFileSync(s.file, 'changed again\n');
    s.rollback('operator');
    expect(readFileSync(s.file, 'utf8')).toBe('changed again\n');
    s.rollback('failure');
    expect(readFileSync(s.file, 'utf8')).toBe('before\n');
    const kinds = s
      .journal()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).by);
    expect(kinds).toEqual(['timer', 'failure']);
  });

  it('a segment runs to its end when the reader of its output is gone (SIGPIPE ignored)', () => {
    const root = mkdtempSync(join(tmpdir(), 'pc-race-'));
    dirs.push(root);
    // The first printf hits a closed pipe; without the trap the shell dies there and never writes `done`.
    const script = `${SEGMENT_PRELUDE}\nsleep 0.2\nprintf 'x\\n'; printf 'y\\n'\necho done > ${root}/done\n`;
    writeFileSync(`${root}/segment.sh`, sandboxed(root, script));
    execFileSync('sh', ['-c', `sh ${root}/segment.sh | true; sleep 0.5`]);
    expect(readFileSync(`${root}/done`, 'utf8')).toBe('done\n');
  });
});

/** A target that answers like a healthy host; the segment holding the disarm answers as a stalled one would. */
function stalledTarget() {
  return fakeTarget({
    answer: (script) =>
      script.includes('pcfail') && script.includes(commitLine('RUN', 's'))
        ? {code: EXPIRED_EXIT, stdout: '', stderr: 'the dead-man timer ran out first and rolled this step back'}
        : undefined,
  });
}

describe('apply: a step whose timer fired first is reported rolled back, never applied', () => {
  const actions: Action[] = [
    {kind: 'timer.arm', seconds: 15},
    {kind: 'file.write', path: '/etc/x.conf', content: 'x\n', mode: 0o644},
    {kind: 'proof', route: {port: 22}, what: 'root logs in'},
    {kind: 'timer.disarm'},
  ];
  const step: Step<Record<string, never>> = {
    id: 's',
    title: 'Step',
    why: 'test',
    risk: 'lockout',
    undo: 'test',
    params: () => ({}),
    probe: () => ({}),
    plan: () => ({actions, findings: [], onRollback: []}),
  };

  it('fails the run with the reason, rolls back (again) and guards every segment after the arming one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
    dirs.push(dir);
    const {target, scripts} = stalledTarget();
    const events: {type: string}[] = [];
    const run = applyRunbook({
      target,
      facts: profileFacts('debian-12'),
      steps: [step as Step<unknown>],
      values: runValues({}),
      runId: 'RUN',
      journal: new LocalJournal(join(dir, 'journal.jsonl')),
      events: (e) => events.push(e),
      confirm: async () => true,
    });
    await expect(run).rejects.toThrow(
      /Step: the 15 s dead-man window ran out before the new way in was confirmed .*timer rolled this step back/,
    );
    expect(events.map((e) => e.type)).toContain('step.rolled-back');
    expect(events.map((e) => e.type)).not.toContain('step.done');
    const segments = scripts.filter((s) => s.includes('pcfail'));
    expect(segments).toHaveLength(2);
    const guard = stillArmedLine('RUN', 's');
    expect(segments[0]).not.toContain(guard);
    expect(segments[1]).toContain(guard);
    for (const s of segments) expect(s.startsWith("trap '' PIPE")).toBe(true);
    expect(scripts.at(-2)).toMatch(/\/bin\/sh \/var\/lib\/portcullis\/runs\/RUN\/s\/rollback\.sh failure/);
  });
});
