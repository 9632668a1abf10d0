import {spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {aheadDir, STATE_DIR} from '../../src/core/paths.js';
import type {Action, PlannedStep} from '../../src/core/types.js';
import {aheadGroups, aheadStartScript} from '../../src/engine/ahead.js';
import {compileAction} from '../../src/engine/compile.js';
import {aheadWaitLine} from '../../src/engine/scripts.js';

const SYS_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
});

const planned = (id: string, actions: Action[]): PlannedStep => ({
  id,
  title: id,
  why: '',
  risk: 'reversible',
  undo: '',
  plan: {actions, findings: [], onRollback: []},
  diffs: [],
});
const apt = (...packages: string[]): Action => ({kind: 'package.install', manager: 'apt', packages});

describe('packages ahead: which packages, for which step', () => {
  it('groups apt installs by step in run order, each package once (the first step that installs it)', () => {
    const groups = aheadGroups([
      planned('admin-user', [{kind: 'file.remove', path: '/x'}]),
      planned('firewall', [apt('ufw')]),
      planned('fail2ban', [apt('fail2ban', 'python3-systemd'), apt('ufw')]),
      planned('other', [apt('python3-systemd'), {kind: 'package.install', manager: 'dnf', packages: ['nft']}]),
      planned('wireguard', [apt('wireguard-tools')]),
    ]);
    expect(groups).toEqual([
      {step: 'firewall', packages: ['ufw']},
      {step: 'fail2ban', packages: ['fail2ban', 'python3-systemd']},
      {step: 'wireguard', packages: ['wireguard-tools']},
    ]);
  });
});

/**
 * The job in a real shell, against stub apt-get and dpkg-query that log what they are asked: the state
 * directory moved under a temporary root, the stubs first on PATH.
 */
function rig(opts: {sim?: string; simFailsFirst?: boolean; installed?: string[]; installFails?: string} = {}) {
  const root = mkdtempSync(join(tmpdir(), 'pc-ahead-'));
  dirs.push(root);
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const log = join(root, 'apt.log');
  writeFileSync(join(root, 'sim.out'), opts.sim ?? 'Inst ufw (0.36.2-1 Debian:12/stable [all])\n');
  if (opts.simFailsFirst) writeFileSync(join(root, 'sim.fail'), '');
  writeFileSync(
    join(bin, 'apt-get'),
    [
      '#!/bin/sh',
      `echo "$*" >> ${log}`,
      'case " $* " in',
      `  *" -s "*) if [ -f ${root}/sim.fail ]; then rm -f ${root}/sim.fail; echo 'E: Unable to locate package' >&2; exit 100; fi; cat ${root}/sim.out;;`,
      `  *" update "*) ;;`,
      opts.installFails ? `  *" ${opts.installFails}"*) exit 100;;` : '',
      'esac',
      'exit 0',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(bin, 'dpkg-query'),
    [
      '#!/bin/sh',
      'for a in "$@"; do case "$a" in -*) ;; *)',
      `  case " ${(opts.installed ?? []).join(' ')} " in *" $a "*) echo 'ii ';; *) echo 'un ';; esac;;`,
      'esac; done',
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'apt-get'), 0o755);
  chmodSync(join(bin, 'dpkg-query'), 0o755);
  const local = (text: string) =>
    text.replaceAll(STATE_DIR, join(root, 'state')).replaceAll(SYS_PATH, `PATH=${bin}:/usr/bin:/bin`);
  const sh = (text: string) =>
    spawnSync('sh', ['-c', local(text)], {encoding: 'utf8', env: {PATH: `${bin}:/usr/bin:/bin`}});
  const dir = (run: string) => local(aheadDir(run));
  const waitDone = (run: string) => {
    const rc = join(dir(run), 'rc');
    const until = Date.now() + 10_000;
    while (!existsSync(rc) && Date.now() < until) spawnSync('sleep', ['0.05']);
    return readFileSync(rc, 'utf8').trim();
  };
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  const journal = () =>
    readFileSync(join(root, 'state', 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {root, sh, dir, waitDone, calls, journal};
}

const GROUPS = [
  {step: 'firewall', packages: ['ufw']},
  {step: 'fail2ban', packages: ['fail2ban', 'python3-systemd']},
];

describe('packages ahead: the job on the target, in a real shell', () => {
  it('simulates once, then installs step by step in run order, marking each step and journaling start and end', () => {
    const r = rig();
    const start = r.sh(aheadStartScript('R1', GROUPS, 'install'));
    expect(start.stdout).toContain('started');
    expect(r.waitDone('R1')).toBe('0');
    const calls = r.calls();
    expect(calls[0]).toMatch(/^-s .*install ufw fail2ban python3-systemd$/);
    expect(calls.slice(1)).toEqual([
      expect.stringMatching(/^install -y -q .*DPkg::Lock::Timeout=300 ufw$/),
      expect.stringMatching(/^install -y -q .* fail2ban python3-systemd$/),
    ]);
    expect(readFileSync(join(r.dir('R1'), 'firewall.rc'), 'utf8').trim()).toBe('0');
    expect(readFileSync(join(r.dir('R1'), 'fail2ban.rc'), 'utf8').trim()).toBe('0');
    const j = r.journal();
    expect(j[0]).toMatchObject({
      run: 'R1',
      kind: 'packages.ahead',
      mode: 'install',
      packages: ['ufw', 'fail2ban', 'python3-systemd'],
    });
    expect(j.at(-1)).toMatchObject({run: 'R1', kind: 'packages.ahead.done', code: 0});
    // Once per run: a second start changes nothing.
    expect(r.sh(aheadStartScript('R1', GROUPS, 'install')).stdout).not.toContain('started');
    expect(r.calls()).toHaveLength(3);
  });

  it('installs nothing when apt would upgrade or remove an installed package: every install is left to its step', () => {
    const r = rig({
      sim: 'Inst ufw (0.36.2-1 Debian:12/stable [all])\nInst libc6 [2.36-9] (2.36-9+deb12u1 Debian:12/stable [amd64])\n',
    });
    r.sh(aheadStartScript('R2', GROUPS, 'install'));
    expect(r.waitDone('R2')).toBe('101');
    expect(r.calls().filter((c) => !c.startsWith('-s '))).toEqual([]);
    expect(existsSync(join(r.dir('R2'), 'firewall.rc'))).toBe(false);
    expect(r.journal().at(-1)).toMatchObject({kind: 'packages.ahead.done', code: 101});
    // The step's own install then waits for nothing and runs apt-get itself.
    const lines = compileAction(apt('ufw'), {runId: 'R2', stepId: 'firewall', style: 'exec'});
    const step = r.sh(lines.join('\n'));
    expect(step.status).toBe(0);
    expect(r.calls().at(-1)).toMatch(/^install -y -q .* ufw$/);
  });

  it('refreshes stale package lists once when apt cannot resolve the packages, then goes on', () => {
    const r = rig({simFailsFirst: true});
    r.sh(aheadStartScript('R3', GROUPS, 'install'));
    expect(r.waitDone('R3')).toBe('0');
    const calls = r.calls();
    expect(calls[0]).toMatch(/^-s /);
    expect(calls[1]).toMatch(/^update /);
    expect(calls[2]).toMatch(/^-s /);
    expect(calls.slice(3)).toHaveLength(2);
  });

  it('a failed install marks its step with apt exit code, and the job goes on with the next step', () => {
    const r = rig({installFails: 'ufw'});
    r.sh(aheadStartScript('R4', GROUPS, 'install'));
    expect(r.waitDone('R4')).toBe('100');
    expect(readFileSync(join(r.dir('R4'), 'firewall.rc'), 'utf8').trim()).toBe('100');
    expect(readFileSync(join(r.dir('R4'), 'fail2ban.rc'), 'utf8').trim()).toBe('0');
  });

  it('a run that stopped leaves the packages of later steps alone: the job ends before its next step', () => {
    const r = rig();
    mkdirSync(r.dir('R9'), {recursive: true});
    writeFileSync(join(r.dir('R9'), 'stop'), '');
    // The directory exists already (as the stop made it), so the job is started by hand.
    r.sh(aheadStartScript('R9', GROUPS, 'install').replace('[ -e "$d" ] && exit 0', ''));
    expect(r.waitDone('R9')).toBe('102');
    expect(r.calls().filter((c) => c.startsWith('install'))).toEqual([]);
    expect(r.journal().at(-1)).toMatchObject({kind: 'packages.ahead.done', code: 102});
  });

  it('download mode only fills apt cache: every apt-get call after the check carries --download-only', () => {
    const r = rig({sim: 'Inst libc6 [2.36-9] (2.36-9+deb12u1 Debian:12/stable [amd64])\n'});
    r.sh(aheadStartScript('R5', GROUPS, 'download'));
    expect(r.waitDone('R5')).toBe('0');
    const after = r.calls().slice(1);
    expect(after).toHaveLength(2);
    for (const c of after) expect(c).toContain('--download-only');
    expect(r.journal()[0]).toMatchObject({kind: 'packages.ahead', mode: 'download'});
  });
});

describe("packages ahead: a step's own install", () => {
  it('reports packages the job installed instead of installing them again', () => {
    const r = rig({installed: ['fail2ban', 'python3-systemd']});
    const lines = compileAction(apt('fail2ban', 'python3-systemd'), {runId: 'R6', stepId: 'fail2ban', style: 'exec'});
    const out = r.sh(lines.join('\n'));
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('already installed (ahead of this step): fail2ban, python3-systemd');
    expect(r.calls()).toEqual([]);
  });

  it('installs when one of them is missing', () => {
    const r = rig({installed: ['fail2ban']});
    const lines = compileAction(apt('fail2ban', 'python3-systemd'), {runId: 'R7', stepId: 'fail2ban', style: 'exec'});
    expect(r.sh(lines.join('\n')).status).toBe(0);
    expect(r.calls()).toEqual([expect.stringMatching(/^install -y -q .* fail2ban python3-systemd$/)]);
  });

  it("waits while the job is still on the step's packages, and returns once they are marked or the job is gone", () => {
    const r = rig();
    const d = r.dir('R8');
    mkdirSync(d, {recursive: true});
    const wait = aheadWaitLine('R8', 'firewall').replaceAll(STATE_DIR, join(r.root, 'state'));
    const timed = (before: string) => {
      const out = spawnSync(
        'sh',
        [
          '-c',
          `${before}\nt0=$(date +%s%N); ${wait}; t1=$(date +%s%N); kill "$(cat ${d}/pid)" 2>/dev/null; echo $(( (t1 - t0) / 1000000 ))`,
        ],
        {encoding: 'utf8'},
      );
      return Number(out.stdout.trim());
    };
    // The job is alive and marks the step 0.4 s later.
    expect(
      timed(`sleep 30 >/dev/null 2>&1 & echo $! > ${d}/pid; (sleep 0.4; echo 0 > ${d}/firewall.rc) &`),
    ).toBeGreaterThanOrEqual(350);
    // Marked already: no wait.
    expect(timed(`sleep 30 >/dev/null 2>&1 & echo $! > ${d}/pid`)).toBeLessThan(300);
    rmSync(join(d, 'firewall.rc'));
    // The job is gone without marking it (it failed or was killed): no wait either.
    expect(timed(`sh -c 'exit 0' & echo $! > ${d}/pid; wait`)).toBeLessThan(300);
    // No job in this run at all.
    rmSync(join(d, 'pid'));
    expect(timed('true')).toBeLessThan(300);
  });
});
