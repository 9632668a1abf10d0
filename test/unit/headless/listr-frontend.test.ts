import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {listrFrontend} from '../../../src/headless/listr-frontend.js';
import type {Target} from '../../../src/target/types.js';
import {ADMIN, SSH, STEPS} from '../ui/fixtures.js';

// listr2 writes through process.stderr (the frontend routes stdout-level output there too); capture it.
let written = '';
let stdout = '';
const original = {err: process.stderr.write, out: process.stdout.write};
beforeEach(() => {
  written = '';
  stdout = '';
  process.stderr.write = ((s: string | Uint8Array) => {
    written += String(s);
    return true;
  }) as typeof process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  }) as typeof process.stdout.write;
});
afterEach(() => {
  process.stderr.write = original.err;
  process.stdout.write = original.out;
});

const target = {} as Target;
const facts = {} as Parameters<ReturnType<typeof listrFrontend>['ready']>[1];

describe('listrFrontend (simple renderer, as in CI and pipes)', () => {
  it('prints one line per change on stderr, driven by engine events, and nothing on stdout', async () => {
    const ui = listrFrontend({steps: STEPS, renderer: 'simple'});
    ui.events({type: 'facts', summary: 'Debian GNU/Linux 12, systemd'});
    expect(await ui.ready(target, facts, [])).toBe(true);
    expect(await ui.confirm(ADMIN)).toBe(true);
    ui.events({type: 'step.compliant', id: 'preflight'});
    ui.events({type: 'step.planned', step: ADMIN});
    ui.events({type: 'step.start', id: 'admin-user'});
    ui.events({type: 'output', id: 'admin-user', line: 'useradd: done'});
    ui.events({type: 'proof.start', id: 'admin-user', what: 'admin logs in with the key', command: 'ssh admin@h'});
    ui.events({type: 'proof.ok', id: 'admin-user', what: 'admin logs in with the key', ms: 12});
    ui.events({type: 'step.done', id: 'admin-user', changed: 2, ms: 1000});
    ui.events({type: 'step.planned', step: SSH});
    ui.events({type: 'step.start', id: 'ssh-hardening'});
    ui.events({type: 'proof.start', id: 'ssh-hardening', what: 'admin on 2222', command: 'ssh -p 2222 admin@h'});
    ui.events({type: 'proof.failed', id: 'ssh-hardening', what: 'admin on 2222', reason: 'port 2222 is unreachable'});
    ui.events({
      type: 'step.rolled-back',
      id: 'ssh-hardening',
      reason: 'everything this step changed has been restored',
    });
    await ui.finish({error: new Error('SSH hardening: could not prove admin on 2222')});
    expect(stdout).toBe('');
    const lines = written.split('\n');
    expect(written).toMatch(/found Debian GNU\/Linux 12, systemd/);
    expect(written).toMatch(/✔ Preflight: already compliant/);
    expect(written).toMatch(/useradd: done/);
    expect(written).toMatch(/proving admin logs in with the key \(ssh admin@h\)/);
    expect(written).toMatch(/✔ Admin user: 2 change\(s\) in 1\.0 s/);
    expect(written).toMatch(/✘ not proven: admin on 2222: port 2222 is unreachable/);
    expect(written).toMatch(/SSH hardening rolled back: everything this step changed has been restored/);
    // Plain lines: no cursor movement or erasing.
    for (const seq of ['\u001b[1A', '\u001b[2K', '\u001b[G']) expect(written).not.toContain(seq);
    expect(lines.findIndex((l) => /Admin user: 2 change/.test(l))).toBeLessThan(
      lines.findIndex((l) => /rolled back/.test(l)),
    );
  });

  it('steps the run never reached are skipped, not failed, and the run ends', async () => {
    const ui = listrFrontend({steps: STEPS, renderer: 'simple'});
    await ui.ready(target, facts, []);
    ui.events({type: 'step.compliant', id: 'preflight'});
    ui.events({type: 'step.done', id: 'admin-user', changed: 1, ms: 10});
    await ui.finish({});
    expect(written).toMatch(/SSH hardening.*not run: the run ended before it/);
    expect(written).not.toMatch(/✖/);
  });

  it('an error outside any step event fails the step in flight', async () => {
    const ui = listrFrontend({steps: STEPS, renderer: 'simple'});
    await ui.ready(target, facts, []);
    ui.events({type: 'step.compliant', id: 'preflight'});
    ui.events({type: 'step.start', id: 'admin-user'});
    await new Promise((r) => setTimeout(r, 20));
    await ui.finish({error: new Error('root@h:22 is unreachable from here')});
    expect(written).toMatch(/root@h:22 is unreachable from here/);
  });

  it("a step's files, reported after the step is done, are added to its line: the path, never the content", async () => {
    const ui = listrFrontend({steps: STEPS, renderer: 'simple'});
    await ui.ready(target, facts, []);
    ui.events({type: 'step.compliant', id: 'preflight'});
    ui.events({type: 'step.done', id: 'admin-user', changed: 1, ms: 10});
    // As in a run: the file comes once the task has been drawn as done.
    await new Promise((r) => setTimeout(r, 20));
    expect(written).toMatch(/Admin user: 1 change\(s\) in 0\.0 s\n/);
    ui.events({type: 'artifact', id: 'admin-user', path: '/home/op/wg/vps-admin.conf', kind: 'client-config'});
    await ui.finish({});
    expect(written).toMatch(/client config saved on this machine: \/home\/op\/wg\/vps-admin\.conf \(0600/);
    expect(written).not.toMatch(/PrivateKey/);
    expect(stdout).toBe('');
  });
});
