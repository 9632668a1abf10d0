import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {Action, ProbeRequest, Step} from '../../src/core/types.js';
import {aheadStopScript} from '../../src/engine/ahead.js';
import type {EngineEvent} from '../../src/engine/events.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {type ApplyOptions, applyRunbook} from '../../src/engine/runbook.js';
import {aheadWaitLine} from '../../src/engine/scripts.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {fakeStep} from '../helpers/fake-step.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {runValues} from '../helpers/run-values.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
});

function step(id: string, actions: Action[], probe: () => ProbeRequest = () => ({})): Step<unknown> {
  return fakeStep(id, actions, {
    probe,
    // Converges: once applied (its marker file is read as present), it plans nothing.
    plan: ({probe: p}) => ({actions: p.files[`/applied/${id}`]?.exists ? [] : actions, findings: [], onRollback: []}),
  });
}

const write = (path: string): Action => ({kind: 'file.write', path, content: 'x\n', mode: 0o644});

/** The scripts of the last `apply`, also when it threw. */
let lastRun: {scripts: string[]} = {scripts: []};

async function apply(steps: Step<unknown>[], extra: Partial<ApplyOptions> & {proofFails?: boolean} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
  dirs.push(dir);
  const {target, scripts} = fakeTarget({
    // The ahead job's start script answers as a target where it started.
    answer: (s) => (s.includes('setsid /bin/sh') ? {code: 0, stdout: 'started\n', stderr: ''} : undefined),
  });
  lastRun = {scripts};
  if (extra.proofFails) target.probe = async () => ({ok: false, ms: 1, reason: 'Connection refused'});
  const events: EngineEvent[] = [];
  await applyRunbook({
    target,
    facts: profileFacts('debian-12'),
    steps,
    values: runValues({}),
    runId: 'RUN',
    journal: new LocalJournal(join(dir, 'journal.jsonl')),
    events: (e) => events.push(e),
    confirm: async () => true,
    ...extra,
  });
  return {scripts, events};
}

const probeOnly = (s: string) => s.includes('pf() {') && !s.includes('pcfail');

describe('apply: the read after a step rides on its last segment', () => {
  it("reads the facts, the step's convergence probe and the next step's probe in the step's last round trip", async () => {
    const a = step('a', [write('/etc/a')], () => ({files: ['/applied/a']}));
    const b = step('b', [write('/etc/b')], () => ({files: ['/applied/b']}));
    const {scripts} = await apply([a, b]);
    const last = scripts.filter((s) => s.includes('pcfail'));
    expect(last).toHaveLength(2);
    // a's last segment commits a, then reads the facts and what a's re-plan and b's plan ask for.
    const tailA = last[0]?.slice(last[0].indexOf('echo @@PC-TAIL')) ?? '';
    expect(last[0]?.indexOf('step.done')).toBeLessThan(last[0]?.indexOf('echo @@PC-TAIL') ?? -1);
    expect(tailA).toContain('kv kernel');
    expect(tailA).toContain('pf /applied/a');
    expect(tailA).toContain('pf /applied/b');
    // Only the first step's plan needed a probe of its own.
    expect(scripts.filter(probeOnly)).toHaveLength(1);
  });

  it('reads again when a plan asks for something the guess did not read', async () => {
    let n = 0;
    // b asks for another file each time it is asked (as a step whose reads depend on the new facts would).
    const a = step('a', [write('/etc/a')]);
    const b = step('b', [write('/etc/b')], () => ({files: [`/etc/b${n++}`]}));
    const {scripts} = await apply([a, b]);
    const own = scripts.filter(probeOnly);
    expect(own.some((s) => s.includes('/etc/b1'))).toBe(true);
  });

  it('a step that changed nothing does not read the facts again', async () => {
    const a = step('a', [{kind: 'proof', route: {port: 22}, what: 'root logs in'}]);
    const b = step('b', [write('/etc/b')]);
    const {scripts} = await apply([a, b]);
    const reads = scripts.filter((s) => s.includes('echo @@PC-PROBE'));
    expect(reads).toHaveLength(2);
    const [readA, readB] = reads;
    expect(readA).not.toContain('kv kernel');
    expect(readB).toContain('kv kernel');
  });

  it('when only the disarm follows the last proof, the read runs beside that proof, not after the commit', async () => {
    const a: Step<unknown> = {
      ...step('a', [
        {kind: 'timer.arm', seconds: 30},
        write('/etc/a'),
        {kind: 'proof', route: {port: 22}, what: 'root logs in'},
        {kind: 'timer.disarm'},
      ]),
      risk: 'lockout',
    };
    const {scripts} = await apply([a, step('b', [write('/etc/b')])]);
    const read = scripts.findIndex((s) => !s.includes('pcfail') && s.includes('echo @@PC-PROBE'));
    const commit = scripts.findIndex((s) => s.includes('pcfail') && s.includes('timer.disarmed'));
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(commit);
    expect(scripts[read]).toContain('kv kernel');
    expect(scripts[commit]).not.toContain('@@PC-TAIL');
  });
});

describe('apply: packages ahead', () => {
  const a = step('a', [write('/etc/a')]);
  const fw = step('fw', [{kind: 'package.install', manager: 'apt', packages: ['ufw']}, write('/etc/fw')]);

  it('starts the run’s installs at once and has the step before a package step wait for them in its tail', async () => {
    const {scripts, events} = await apply([a, fw], {ahead: 'install'});
    const start = scripts.find((s) => s.includes('setsid /bin/sh'));
    expect(start).toContain('install -y -q -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=300 ufw');
    expect(events).toContainEqual({type: 'packages.ahead', mode: 'install', packages: ['ufw']});
    const segA = scripts.find((s) => s.includes('pcfail') && s.includes('/etc/a')) ?? '';
    const wait = aheadWaitLine('RUN', 'fw');
    // After a is committed, before the facts fw is planned with are read.
    expect(segA.indexOf('step.done')).toBeLessThan(segA.indexOf(wait));
    expect(segA.indexOf(wait)).toBeLessThan(segA.indexOf('kv kernel'));
  });

  it('download mode starts the job but does not hold the next step up: its install waits when it runs', async () => {
    const {scripts} = await apply([a, fw], {ahead: 'download'});
    expect(scripts.find((s) => s.includes('setsid /bin/sh'))).toContain('--download-only');
    const segA = scripts.find((s) => s.includes('pcfail') && s.includes('/etc/a')) ?? '';
    expect(segA).not.toContain(aheadWaitLine('RUN', 'fw'));
    const segFw = scripts.find((s) => s.includes('pcfail') && s.includes('/etc/fw')) ?? '';
    expect(segFw).toContain(aheadWaitLine('RUN', 'fw'));
  });

  it('a run refused before its first change starts nothing; one that fails later tells the job to stop', async () => {
    const refused: Step<unknown> = {
      ...a,
      plan: () => ({actions: [], findings: [{level: 'error', message: 'no'}], onRollback: []}),
    };
    const r1 = await apply([refused, fw], {ahead: 'install'}).catch((e: Error) => e);
    expect(r1).toBeInstanceOf(Error);
    const {scripts: s1} = lastRun;
    expect(s1.some((s) => s.includes('setsid /bin/sh'))).toBe(false);

    const failing = step('b', [{kind: 'proof', route: {port: 22}, what: 'root logs in'}]);
    const r2 = await apply([a, failing, fw], {ahead: 'install', proofFails: true}).catch((e: Error) => e);
    expect(r2).toBeInstanceOf(Error);
    const {scripts: s2} = lastRun;
    expect(s2.some((s) => s.includes('setsid /bin/sh'))).toBe(true);
    // After the failed step rolled back (and before the lock is released).
    const stop = s2.indexOf(aheadStopScript('RUN'));
    expect(stop).toBeGreaterThan(s2.findIndex((s) => s.includes('rollback.sh failure')));
  });

  it('without it, nothing starts in the background', async () => {
    const {scripts, events} = await apply([a, fw]);
    expect(scripts.some((s) => s.includes('setsid /bin/sh'))).toBe(false);
    expect(events.some((e) => e.type === 'packages.ahead')).toBe(false);
  });
});
