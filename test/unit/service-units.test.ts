import {execFileSync} from 'node:child_process';
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import type {Action, ProbeData} from '../../src/core/types.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {
  type Outcome,
  parseExposure,
  recordedOutcome,
  renderDropIn,
  SLOTS,
  type Slot,
} from '../../src/units/sandbox-drop-in.js';
import {trialScript} from '../../src/units/trial-script.js';
import {hardenUnits, sandboxDropIn, slotsFor} from '../../steps/harden-units.js';
import {renderSudoers, renderUserDropIn, serviceUser, sudoersFile, userDropIn} from '../../steps/service-user.js';
import {paramsFor} from '../helpers/run-values.js';

const debian = profileFacts('debian-12');
const access = {user: 'root', host: '203.0.113.5', port: 22, kind: 'ssh' as const};
const WG = '# Managed by portcullis.\n[Interface]\nAddress = 10.66.0.1/24\nListenPort = 51820\n';
const UNIT = 'agent-ui.service';

const firstOfEach = (slots: readonly Slot[]): Outcome => ({
  kept: slots.map((s) => s.alternatives[0] as NonNullable<(typeof s.alternatives)[0]>),
  failed: [],
});

describe('the sandboxing drop-in records its outcome', () => {
  it('a drop-in of ours re-reads as the outcome it was rendered from', () => {
    const all = firstOfEach(SLOTS);
    expect(recordedOutcome(renderDropIn(all), SLOTS)).toEqual(all);
    const ps = SLOTS.find((s) => s.name === 'ProtectSystem') as Slot;
    const partial: Outcome = {
      kept: all.kept.map((a) =>
        a.label === 'ProtectSystem=strict' ? (ps.alternatives[2] as (typeof all.kept)[0]) : a,
      ),
      failed: ['ProtectSystem=strict', 'ProtectSystem=full', 'MemoryDenyWriteExecute=yes'],
    };
    partial.kept = partial.kept.filter((a) => a.label !== 'MemoryDenyWriteExecute=yes');
    const text = renderDropIn(partial);
    expect(text).toMatch(
      /^# Left out, the unit failed with: ProtectSystem=strict ProtectSystem=full MemoryDenyWriteExecute=yes$/m,
    );
    expect(recordedOutcome(text, SLOTS)).toEqual(partial);
  });

  it('anything else is tried again: edited by hand, another catalogue, not ours', () => {
    const text = renderDropIn(firstOfEach(SLOTS));
    expect(recordedOutcome(text.replace('PrivateTmp=yes\n', ''), SLOTS)).toBeUndefined();
    expect(recordedOutcome(`${text}ExecStart=/bin/sh\n`, SLOTS)).toBeUndefined();
    expect(
      recordedOutcome(
        text,
        slotsFor({units: [], network: 'tunnel-only', health: {timeoutS: 1}, timeout: 60}, '10.66.0.0/24'),
      ),
    ).toBeUndefined();
    expect(recordedOutcome('[Service]\nNoNewPrivileges=yes\n', SLOTS)).toBeUndefined();
    expect(recordedOutcome(undefined, SLOTS)).toBeUndefined();
  });

  it("reads systemd-analyze's verdict, and nothing that only looks like it", () => {
    expect(parseExposure('→ Overall exposure level for agent-ui.service: 9.6 UNSAFE 😨')).toEqual({
      score: 9.6,
      level: 'UNSAFE',
    });
    expect(parseExposure('Failed to connect to bus')).toBeUndefined();
  });
});

/**
 * The trial script run for real by sh, with systemctl, ss, journalctl, systemd-analyze and sleep standing
 * in: the unit "fails" (never steady) while its drop-in holds ProtectSystem=strict or full or
 * MemoryDenyWriteExecute. What it writes must be byte for byte what renderDropIn renders for that outcome.
 */
describe('the trial script', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-trial-'));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));
  const bin = join(dir, 'bin');
  const drop = join(dir, 'unit.d', '70-portcullis-sandbox.conf');
  const fake = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  execFileSync('mkdir', ['-p', bin]);
  const fails = (pattern: string) => {
    fake(
      'systemctl',
      `echo "$*" >> ${dir}/calls
# A unit that cannot live with its drop-in flaps (Restart=): seen active, but restarted between two looks.
case "$1" in
  show) echo "MainPID=42"; if grep -Eq '${pattern}' ${drop}; then echo "NRestarts=$(wc -l < ${dir}/calls)"; else echo NRestarts=0; fi ;;
esac
exit 0`,
    );
  };
  fake('ss', 'echo "LISTEN 0 5 0.0.0.0:8080 0.0.0.0:*"');
  fake('journalctl', 'echo "touch: cannot touch \'/etc/x\': Read-only file system"');
  fake('systemd-analyze', 'echo "→ Overall exposure level for x.service: 2.1 OK :-)"');
  fake('sleep', 'exit 0');
  const run = () =>
    execFileSync('sh', ['-c', trialScript(SLOTS), 'sh', UNIT, drop, '8080'], {
      env: {PATH: `${bin}:/usr/bin:/bin`},
      encoding: 'utf8',
    });

  it('a unit that tolerates everything is restarted once, and keeps every directive', () => {
    fails('^NEVER$');
    writeFileSync(join(dir, 'calls'), '');
    const out = run();
    expect(readFileSync(drop, 'utf8')).toBe(renderDropIn(firstOfEach(SLOTS)));
    expect(out).toMatch(/agent-ui\.service runs with the drop-in: .*2\.1 OK/);
    expect(readFileSync(join(dir, 'calls'), 'utf8').match(/^restart /gm)).toHaveLength(1);
  });

  it('a unit that writes under /etc and JITs: the directives it fails with are named and left out', () => {
    fails('^(ProtectSystem=(strict|full)|MemoryDenyWriteExecute=yes)$');
    const out = run();
    expect(out).toMatch(
      /left out ProtectSystem=strict: agent-ui\.service did not run with it \(touch: .*Read-only file system\)/,
    );
    expect(out).toMatch(/left out ProtectSystem=full/);
    expect(out).toMatch(/kept ProtectSystem=yes instead/);
    expect(out).toMatch(/left out MemoryDenyWriteExecute=yes/);
    const text = readFileSync(drop, 'utf8');
    const outcome = recordedOutcome(text, SLOTS);
    expect(outcome?.failed).toEqual(['ProtectSystem=strict', 'ProtectSystem=full', 'MemoryDenyWriteExecute=yes']);
    expect(text).toMatch(/^ProtectSystem=yes$/m);
    expect(text).not.toMatch(/^MemoryDenyWriteExecute/m);
    expect(renderDropIn(outcome as Outcome)).toBe(text);
  });

  it('a unit that does not run at all fails the step (its rollback restores the drop-in)', () => {
    fails('.');
    expect(() => run()).toThrow();
  });
});

const probeOf = (p: Partial<ProbeData>): ProbeData => ({files: p.files ?? {}, queries: p.queries ?? {}});

describe('service-user plans', () => {
  const values = {
    service_unit: UNIT,
    service_user: 'agent',
    service_port: 8080,
    sudo_commands: ['/usr/bin/systemctl restart agent-ui.service'],
  };
  const params = paramsFor(serviceUser, values, debian);
  const fresh = probeOf({
    files: {'/etc/wireguard/wg0.conf': {exists: true, content: WG}},
    queries: {
      svc_passwd: {code: 2, out: ''},
      svc_unit: {code: 0, out: 'LoadState=loaded\nActiveState=active\nUser=\nNeedDaemonReload=no'},
    },
  });

  it('a new account, the User= drop-in, sudo checked by visudo, a restart, proven through the tunnel under the timer', () => {
    const plan = serviceUser.plan({facts: debian, params, probe: fresh, access});
    const kinds = plan.actions.map((a) => a.kind);
    expect(kinds[0]).toBe('timer.arm');
    expect(kinds.at(-1)).toBe('timer.disarm');
    const useradd = plan.actions.find((a) => a.kind === 'run' && a.argv[0] === 'useradd') as Extract<
      Action,
      {kind: 'run'}
    >;
    expect(useradd.argv).toEqual([
      'useradd',
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      'agent',
    ]);
    expect(plan.actions).toContainEqual(
      expect.objectContaining({kind: 'file.write', path: userDropIn(UNIT), content: renderUserDropIn('agent')}),
    );
    const sudo = plan.actions.find((a) => a.kind === 'run' && a.touches?.includes(sudoersFile('agent'))) as Extract<
      Action,
      {kind: 'run'}
    >;
    expect(sudo.stdin).toBe(renderSudoers('agent', ['/usr/bin/systemctl restart agent-ui.service']));
    expect(sudo.argv.join(' ')).toMatch(/visudo -cf "\$t" >\/dev\/null && mv -f "\$t" "\$1"/);
    const proof = plan.actions.find((a) => a.kind === 'proof') as Extract<Action, {kind: 'proof'}>;
    expect(proof.service).toEqual({unit: UNIT, host: '10.66.0.1', port: 8080, path: undefined, timeoutS: 30});
    expect(compileRollback(plan.onRollback).join('\n')).toMatch(
      /systemctl restart agent-ui\.service[\s\S]*userdel agent/,
    );
  });

  it('compliant once applied: nothing to do', () => {
    const probe = probeOf({
      files: {
        [userDropIn(UNIT)]: {exists: true, content: renderUserDropIn('agent')},
        [sudoersFile('agent')]: {exists: true, content: renderSudoers('agent', params.sudo ?? [])},
      },
      queries: {
        svc_passwd: {code: 0, out: 'agent:x:998:998::/nonexistent:/usr/sbin/nologin'},
        svc_password: {code: 0, out: 'agent L 12/03/2026 0 99999 7 -1'},
        svc_unit: {code: 0, out: 'LoadState=loaded\nActiveState=active\nUser=agent\nNeedDaemonReload=no'},
      },
    });
    expect(serviceUser.plan({facts: debian, params, probe, access}).actions).toEqual([]);
  });

  it("refuses a person's account and root by another uid", () => {
    const person = probeOf({
      queries: {
        ...fresh.queries,
        svc_passwd: {code: 0, out: 'agent:x:1001:1001::/home/agent:/bin/bash'},
        svc_password: {code: 0, out: 'agent P 12/03/2026 0 99999 7 -1'},
      },
    });
    expect(serviceUser.plan({facts: debian, params, probe: person, access}).findings).toContainEqual(
      expect.objectContaining({level: 'error', message: expect.stringMatching(/has a password: a person's account/)}),
    );
    const toor = probeOf({queries: {...fresh.queries, svc_passwd: {code: 0, out: 'agent:x:0:0::/root:/bin/sh'}}});
    expect(serviceUser.plan({facts: debian, params, probe: toor, access}).actions).toEqual([]);
  });

  it('a stopped unit is refused: the restart would start it', () => {
    const stopped = probeOf({
      ...fresh,
      queries: {
        ...fresh.queries,
        svc_unit: {code: 0, out: 'LoadState=loaded\nActiveState=inactive\nUser=\nNeedDaemonReload=no'},
      },
    });
    const plan = serviceUser.plan({facts: debian, params, probe: stopped, access});
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toContainEqual(
      expect.objectContaining({level: 'error', message: expect.stringMatching(/is inactive: start it first/)}),
    );
  });

  it('NOPASSWD: ALL only when said so, with the trade-off shown', () => {
    expect(() => paramsFor(serviceUser, {...values, sudo_commands: ['ALL']}, debian)).toThrow(/sudo_nopasswd_all=true/);
    const all = paramsFor(serviceUser, {...values, sudo_commands: ['ALL'], sudo_nopasswd_all: true}, debian);
    expect(renderSudoers('agent', all.sudo ?? [])).toMatch(/^agent ALL=\(ALL\) NOPASSWD: ALL$/m);
    const plan = serviceUser.plan({facts: debian, params: all, probe: fresh, access});
    expect(plan.findings).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/whoever steers the agent owns the server/),
      }),
    );
  });
});

describe('harden-units plans', () => {
  const probe = (dropIn?: string) =>
    probeOf({
      files: {
        '/etc/wireguard/wg0.conf': {exists: true, content: WG},
        [sandboxDropIn(UNIT)]: dropIn === undefined ? {exists: false} : {exists: true, content: dropIn},
      },
      queries: {
        harden_show_0: {code: 0, out: 'LoadState=loaded\nActiveState=active\nNeedDaemonReload=no'},
        harden_score_0: {code: 0, out: `→ Overall exposure level for ${UNIT}: 9.6 UNSAFE 😨`},
        harden_after_0: {code: 0, out: `→ Overall exposure level for ${UNIT}: 1.5 OK :-)`},
      },
    });

  it('tunnel-only: the trial with the IP allow-list of loopback and the tunnel, the exposure now, proven under the timer', () => {
    const p = paramsFor(
      hardenUnits,
      {harden_units: [UNIT], service_unit: UNIT, service_port: 8080, harden_network: 'tunnel-only'},
      debian,
    );
    const plan = hardenUnits.plan({facts: debian, params: p, probe: probe(), access});
    const trial = plan.actions.find((a) => a.kind === 'run') as Extract<Action, {kind: 'run'}>;
    expect(trial.argv.slice(3)).toEqual(['sh', UNIT, sandboxDropIn(UNIT), '8080']);
    expect(trial.argv[2]).toContain("'IPAddressDeny=any\nIPAddressAllow=localhost 10.66.0.0/24\n'");
    expect(trial.touches).toEqual([sandboxDropIn(UNIT)]);
    expect(plan.findings.map((f) => f.message).join('\n')).toMatch(
      /agent-ui\.service: exposure now 9\.6 UNSAFE; after: 1\.5 OK if it runs with every directive/,
    );
    expect(plan.actions[0]?.kind).toBe('timer.arm');
  });

  it('a stopped unit is refused: the trial would start it', () => {
    const p = paramsFor(hardenUnits, {harden_units: [UNIT]}, debian);
    const stopped = probe();
    stopped.queries.harden_show_0 = {code: 0, out: 'LoadState=loaded\nActiveState=inactive\nNeedDaemonReload=no'};
    const plan = hardenUnits.plan({facts: debian, params: p, probe: stopped, access});
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(/agent-ui\.service is inactive: start it first/),
      }),
    );
  });

  it('outbound (the default): no IP allow-list, and the plan says why', () => {
    const p = paramsFor(hardenUnits, {harden_units: [UNIT]}, debian);
    const plan = hardenUnits.plan({facts: debian, params: p, probe: probe(), access});
    const trial = plan.actions.find((a) => a.kind === 'run') as Extract<Action, {kind: 'run'}>;
    expect(trial.argv[2]).not.toContain('IPAddressAllow=');
    expect(plan.findings.map((f) => f.message).join('\n')).toMatch(
      /not tried: .*IPAddressDeny \(IPAddressDeny\/IPAddressAllow cut outbound connections too/,
    );
  });

  it('a drop-in that records every directive: nothing to do, and what was left out is named', () => {
    const p = paramsFor(hardenUnits, {harden_units: [UNIT]}, debian);
    const outcome: Outcome = {
      kept: firstOfEach(SLOTS).kept.filter((a) => a.label !== 'MemoryDenyWriteExecute=yes'),
      failed: ['MemoryDenyWriteExecute=yes'],
    };
    const plan = hardenUnits.plan({facts: debian, params: p, probe: probe(renderDropIn(outcome)), access});
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/it failed with \(left out\): MemoryDenyWriteExecute=yes/),
      }),
    );
  });
});
