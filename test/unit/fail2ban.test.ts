import {describe, expect, it} from 'vitest';
import type {Facts, PlatformId} from '../../src/core/facts.js';
import type {Action, PlannedStep} from '../../src/core/types.js';
import {compileAction} from '../../src/engine/compile.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {planRunbook, planStep} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {parseSets} from '../../src/recipes/load.js';
import {JAIL_FILE, renderFail2banLocal, renderJail} from '../../src/render/fail2ban.js';
import {fail2ban, operatorIgnore} from '../../steps/fail2ban.js';
import {paramsFor, runValues} from '../helpers/run-values.js';

const values = {admin_user: 'admin', ssh_port: 2222};

async function f2b(p: PlatformId, v: Record<string, unknown> = values, facts: Facts = profileFacts(p)) {
  const [step] = await planRunbook(undefined, facts, [fail2ban as never], runValues(v));
  return step as PlannedStep;
}

const jailOf = (s: PlannedStep) =>
  (s.plan.actions.find((a) => a.kind === 'file.write' && a.path === JAIL_FILE) as Extract<Action, {kind: 'file.write'}>)
    ?.content ?? '';
const text = (s: PlannedStep) =>
  s.plan.actions.flatMap((a) => compileAction(a, {runId: 'R', stepId: 'fail2ban', style: 'review'})).join('\n');

describe('fail2ban step', () => {
  it('debian-12: installs python3-systemd too, reads the journal (no auth.log), bans through ufw, never the operator', async () => {
    const s = await f2b('debian-12', {...values, wg_subnet: '10.66.0.0/24'});
    expect(s.risk).toBe('reversible');
    expect(s.plan.actions[0]).toMatchObject({kind: 'package.install', packages: ['fail2ban', 'python3-systemd']});
    const jail = jailOf(s);
    expect(jail).toContain('ignoreip = 127.0.0.1/8 ::1 10.66.0.0/24 198.51.100.7\n');
    expect(jail).toContain('banaction = ufw\n');
    expect(jail).toMatch(/\[sshd\]\nenabled = true\nmode = aggressive\nport = 22,2222\nbackend = systemd\n/);
    expect(jail).toContain('journalmatch = _SYSTEMD_UNIT=ssh.service + _COMM=sshd\n');
    expect(jail).toMatch(/maxretry = 3\nfindtime = 24h\nbantime = 24h\n/);
    expect(jail).toMatch(/\[recidive\][\s\S]*maxretry = 2\nfindtime = 7d\nbantime = 30d\n/);
    expect(jail).toContain('banaction = %(banaction_allports)s');
  });

  it('validates with fail2ban-client -t before the restart and checks the jail runs after it', async () => {
    const t = text(await f2b('debian-12'));
    const check = t.indexOf('fail2ban-client -t');
    const restart = t.indexOf('systemctl restart fail2ban');
    const status = t.indexOf('fail2ban-client status sshd');
    expect(check).toBeGreaterThan(t.indexOf('zz-portcullis.local'));
    expect(check).toBeLessThan(restart);
    expect(status).toBeGreaterThan(restart);
    expect(t).toMatch(/while .*fail2ban-client status sshd.*sleep 1/);
  });

  it('OpenSSH >= 9.8 logs from sshd-session: the journalmatch covers it (debian-13, arch)', async () => {
    expect(jailOf(await f2b('debian-13'))).toContain(
      'journalmatch = _SYSTEMD_UNIT=ssh.service + _COMM=sshd + _COMM=sshd-session\n',
    );
    expect(jailOf(await f2b('arch'))).toContain(
      'journalmatch = _SYSTEMD_UNIT=sshd.service + _COMM=sshd + _COMM=sshd-session\n',
    );
  });

  it('banaction follows the firewall in use: firewalld on rhel-9, nftables on alpine (which reads /var/log/messages)', async () => {
    const rhel = await f2b('rhel-9');
    expect(jailOf(rhel)).toContain('banaction = firewallcmd-rich-rules[actiontype=<multiport>]');
    expect(rhel.plan.findings.some((f) => /EPEL/.test(f.message))).toBe(true);
    const alpine = jailOf(await f2b('alpine'));
    expect(alpine).toContain('banaction = nftables-multiport');
    expect(alpine).toContain('logpath = /var/log/messages');
    expect(alpine).not.toContain('journalmatch');
  });

  it('macOS: not offered, with the reason, and no actions', async () => {
    const s = await f2b('macos', {admin_user: 'admin'});
    expect(s.plan.actions).toEqual([]);
    expect(s.plan.findings.some((f) => /not offered on macOS: sshd logs to the unified log/.test(f.message))).toBe(
      true,
    );
  });

  it('tunable limits; bans outlive a restart (dbpurgeage beyond the longest ban)', async () => {
    const s = await f2b('debian-12', {
      ...values,
      fail2ban_maxretry: 5,
      fail2ban_findtime: '10m',
      fail2ban_bantime: '60d',
      fail2ban_recidive: false,
    });
    const jail = jailOf(s);
    expect(jail).toMatch(/maxretry = 5\nfindtime = 10m\nbantime = 60d\n/);
    expect(jail).not.toContain('[recidive]');
    expect(renderFail2banLocal('30d')).toContain('dbpurgeage = 31d');
    expect(text(s)).toContain('dbpurgeage = 61d');
  });

  it('an IPv6 operator gets their /64 in ignoreip', () => {
    expect(operatorIgnore('2001:db8:1:2:a:b:c:d')).toBe('2001:db8:1:2::/64');
    expect(operatorIgnore('2001:db8::20')).toBe('2001:db8::/64');
    expect(operatorIgnore('2001:0db8:00a0::1')).toBe('2001:db8:a0::/64');
    expect(operatorIgnore('192.0.2.20')).toBe('192.0.2.20');
    expect(operatorIgnore(undefined)).toBeUndefined();
  });

  it('no value reaches the jail unchecked', async () => {
    const base = {
      ignoreip: ['127.0.0.1/8'],
      firewall: 'ufw' as const,
      sshd: {
        ports: [22],
        maxretry: 3,
        findtime: '24h',
        bantime: '24h',
        source: {backend: 'systemd' as const, journalmatch: '_COMM=sshd'},
      },
    };
    expect(() => renderJail({...base, ignoreip: ['10.0.0.1\nbanaction = x']})).toThrow(/not an IPv4 or IPv6 address/);
    expect(() => renderJail({...base, sshd: {...base.sshd, bantime: '1d\n[x]'}})).toThrow(/not a time/);
    expect(() => renderJail({...base, sshd: {...base.sshd, maxretry: 0}})).toThrow(/1 to 100/);
    expect(() => renderJail({...base, sshd: {...base.sshd, ports: [70000]}})).toThrow(/out of range/);
    expect(() =>
      renderJail({...base, sshd: {...base.sshd, source: {backend: 'systemd', journalmatch: '_COMM=sshd\nx'}}}),
    ).toThrow(/journalmatch/);
    await expect(f2b('debian-12', {...values, wg_subnet: '10.66.0.0/24 ; x'})).rejects.toThrow(/CIDR/);
    expect(() => parseSets(['fail2ban_bantime=1w'])).not.toThrow();
    expect(() => parseSets(['fail2ban_bantime=1 week'])).toThrow(/time like/);
    expect(() => parseSets(['fail2ban_maxretry=0'])).toThrow();
  });

  it('plans nothing when the jail is in place and running; restarts only when it is not running', async () => {
    const facts = profileFacts('debian-12');
    const first = await f2b('debian-12', values, facts);
    const files = Object.fromEntries(
      first.plan.actions
        .filter((a): a is Extract<Action, {kind: 'file.write'}> => a.kind === 'file.write')
        .map((a) => [a.path, {exists: true, content: a.content}]),
    );
    const plan = (active: number) =>
      planStep(fail2ban as never, {
        facts,
        params: paramsFor(fail2ban, values, facts),
        access: {user: 'root', host: 'h', port: 22, kind: 'ssh'},
        probe: {
          files,
          queries: {
            f2b_present: {code: 0, out: '/usr/bin/fail2ban-client'},
            f2b_pysystemd: {code: 0, out: ''},
            f2b_active: {code: active, out: active ? 'failed' : 'active'},
            f2b_sshd: {code: active ? 255 : 0, out: ''},
          },
        },
      });
    expect(plan(0).plan.actions).toEqual([]);
    const stopped = plan(3);
    expect(stopped.plan.actions.map((a) => a.kind)).not.toContain('package.install');
    expect(stopped.plan.actions.map((a) => a.kind)).not.toContain('file.write');
    expect(text(stopped)).toContain('systemctl restart fail2ban');
    expect(compileRollback(stopped.plan.onRollback)).toEqual(['systemctl stop fail2ban']);
    expect(compileRollback(first.plan.onRollback)).toEqual(['systemctl disable --now fail2ban']);
  });
});
