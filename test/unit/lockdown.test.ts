import {spawnSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import type {Facts} from '../../src/core/facts.js';
import {canonical, parseNet, within} from '../../src/core/net.js';
import type {Action, ProbeData} from '../../src/core/types.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {LOCKDOWN_SSHD, lockdown, lockdownDropin} from '../../steps/lockdown/index.js';
import {isOwnSession, KILL_SESSION, parseSessions} from '../../steps/lockdown/sessions.js';
import {isInboundAllow, parseShowAdded} from '../../steps/lockdown/ufw.js';
import {paramsFor} from '../helpers/run-values.js';

const debian = profileFacts('debian-12');
/** A box with ufw on and passwords still allowed: what the lockdown meets most often. */
const facts: Facts = {...debian, firewall: {...debian.firewall, active: 'ufw', ufw: 'active'}};
const DROPIN = lockdownDropin(facts);

const SHOW_ADDED = [
  "Added user rules (see 'ufw status' for running firewall):",
  "ufw allow 22/tcp comment 'portcullis: ssh'",
  'ufw allow 8080/tcp',
  'ufw allow 51820/udp',
  "ufw allow 'Nginx Full'",
  'ufw route allow 80/tcp',
  'ufw allow out 53',
  'ufw deny from 203.0.113.99',
].join('\n');

const SS = [
  '0      0      203.0.113.5:22     198.51.100.7:50000 users:(("sshd",pid=900,fd=4),("sshd",pid=905,fd=4))',
  '0      0      203.0.113.5:22     192.0.2.66:41234   users:(("sshd",pid=1200,fd=4),("sshd",pid=1210,fd=4))',
  '0      0      [2001:db8::10]:22  [2001:db8::66]:5555 users:(("sshd",pid=1300,fd=4))',
  '0      0      203.0.113.5:8080   192.0.2.66:40000   users:(("python3",pid=77,fd=5))',
].join('\n');
const PS = '  900 sshd: root@notty\n 1200 sshd: admin [priv]\n 1210 sshd: admin@pts/0\n 1300 sshd: root [priv]\n';

function probe(over: {files?: ProbeData['files']; queries?: Partial<ProbeData['queries']>} = {}): ProbeData {
  return {
    files: {
      '/etc/default/ufw': {exists: true, mode: 0o644, content: 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\n'},
      ...over.files,
    },
    queries: {
      ld_ufw_added: {code: 0, out: SHOW_ADDED},
      ld_conns: {code: 0, out: SS},
      ld_ps: {code: 0, out: PS},
      ld_f2b: {code: 255, out: 'Is fail2ban running?'},
      ld_match: {code: 0, out: ''},
      ...over.queries,
    } as ProbeData['queries'],
  };
}

function plan(values: Record<string, unknown>, p: ProbeData = probe(), f: Facts = facts) {
  return lockdown.plan({
    facts: f,
    params: paramsFor(lockdown, values, f),
    probe: p,
    access: {user: 'root', host: '203.0.113.5', port: 22, kind: 'ssh'},
  });
}

const argvs = (actions: Action[]) =>
  actions.map((a) => (a.kind === 'run' || a.kind === 'firewall.rule' ? a.argv.join(' ') : a.kind));

describe('addresses as ufw spells them', () => {
  it.each([
    ['2001:0DB8:0:0::20', '2001:db8::20'],
    ['2001:db8:0:0:0:0:0:1/128', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8::5/64', '2001:db8::/64'],
    ['10.66.0.1/24', '10.66.0.0/24'],
    ['192.0.2.20/32', '192.0.2.20'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
  ])('%s -> %s', (given, want) => {
    expect(canonical(given)).toBe(want);
  });

  it('knows what is inside what', () => {
    expect(within(parseNet('10.66.0.9'), parseNet('10.66.0.0/24'))).toBe(true);
    expect(within(parseNet('10.67.0.9'), parseNet('10.66.0.0/24'))).toBe(false);
    expect(within(parseNet('2001:db8::66'), parseNet('2001:db8::/64'))).toBe(true);
    expect(within(parseNet('192.0.2.1'), parseNet('::/0'))).toBe(false);
  });
});

describe('ufw rules as `ufw show added` lists them', () => {
  it('reads specs and comments, and tells inbound allows from the rest', () => {
    const rules = parseShowAdded(SHOW_ADDED);
    expect(rules.map((r) => r.spec)).toEqual([
      'allow 22/tcp',
      'allow 8080/tcp',
      'allow 51820/udp',
      'allow Nginx Full',
      'route allow 80/tcp',
      'allow out 53',
      'deny from 203.0.113.99',
    ]);
    expect(rules[0]?.comment).toBe('portcullis: ssh');
    expect(rules[3]?.argv).toEqual(['allow', 'Nginx Full']);
    expect(rules.filter(isInboundAllow).map((r) => r.spec)).toEqual([
      'allow 22/tcp',
      'allow 8080/tcp',
      'allow 51820/udp',
      'allow Nginx Full',
    ]);
  });
});

describe('SSH sessions', () => {
  it('lists the connections to sshd with their processes, and knows the run’s own', () => {
    const s = parseSessions(SS, PS, [22]);
    expect(s.map((x) => `${x.address}:${x.port} ${x.pids.join(',')} ${x.title}`)).toEqual([
      '198.51.100.7:50000 900,905 sshd: root@notty',
      '192.0.2.66:41234 1200,1210 sshd: admin [priv]',
      '2001:db8::66:5555 1300 sshd: root [priv]',
    ]);
    expect(s.map((x) => isOwnSession(x, '198.51.100.7', 50000))).toEqual([true, false, false]);
    // The same address on another port is another session.
    expect(isOwnSession(s[0] as (typeof s)[0], '198.51.100.7', 50001)).toBe(false);
  });

  it('the kill script never ends a process that carries it', () => {
    // This test process is an ancestor of the shell: the script must leave it alone.
    const r = spawnSync('sh', ['-c', KILL_SESSION, 'sh', '192.0.2.66:41234', String(process.pid)], {encoding: 'utf8'});
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`pid ${process.pid} carries this session: left alone`);
  });
});

describe('the lockdown step', () => {
  it('plans evidence-safe order: timer, passwords off, ufw rules, proof, disarm, then the sessions it was told to end', () => {
    const p = plan({ban: ['192.0.2.77'], terminate_sessions: true});
    expect(p.findings.filter((f) => f.level === 'error')).toEqual([]);
    expect(argvs(p.actions)).toEqual([
      'timer.arm',
      'file.write',
      'sshd -t',
      expect.stringMatching(/^sh -c .*sshd -T/),
      'service',
      'ufw prepend allow from 198.51.100.7 to any port 22 proto tcp comment portcullis: lockdown ssh from operator',
      'ufw prepend deny from 192.0.2.77 comment portcullis: lockdown ban',
      'ufw delete allow 22/tcp',
      'ufw delete allow 8080/tcp',
      'ufw delete allow 51820/udp',
      'ufw delete allow Nginx Full',
      'proof',
      'timer.disarm',
      expect.stringMatching(/^sh -c [\s\S]* sh 192\.0\.2\.66:41234 1200 1210$/),
      expect.stringMatching(/^sh -c [\s\S]* sh \[2001:db8::66\]:5555 1300$/),
    ]);
    const w = p.actions[1] as Extract<Action, {kind: 'file.write'}>;
    expect(w.path).toBe('/etc/ssh/sshd_config.d/00-portcullis-lockdown.conf');
    expect(w.content).toContain('PasswordAuthentication no\n');
    expect(compileRollback(p.onRollback)).toEqual(['sshd -t && systemctl reload ssh', 'ufw reload']);
  });

  it('keeps the tunnel: SSH from its subnet and its UDP port stay open', () => {
    const conf =
      '# Managed by portcullis. x\n[Interface]\nAddress = 10.66.0.1/24\nListenPort = 51999\n\n# portcullis-peer: a\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nAllowedIPs = 10.66.0.2/32\n';
    const p = plan({}, probe({files: {'/etc/wireguard/wg0.conf': {exists: true, content: conf}}}));
    const cmds = argvs(p.actions);
    expect(cmds).toContain(
      'ufw prepend allow from 10.66.0.0/24 to any port 22 proto tcp comment portcullis: lockdown ssh from tunnel',
    );
    expect(cmds).toContain('ufw allow 51999/udp comment portcullis: lockdown wireguard');
    expect(cmds).toContain('ufw delete allow 51820/udp');
  });

  it('a second plan after the lockdown is empty (idempotent), other sessions gone', () => {
    const after = [
      "ufw deny from 192.0.2.77 comment 'portcullis: lockdown ban'",
      "ufw allow from 198.51.100.7 to any port 22 proto tcp comment 'portcullis: lockdown ssh from operator'",
      'ufw route allow 80/tcp',
      'ufw allow out 53',
      'ufw deny from 203.0.113.99',
    ].join('\n');
    const f: Facts = {
      ...facts,
      ssh: {...facts.ssh, effective: {...facts.ssh.effective, passwordauthentication: ['no']}},
    };
    const p = plan(
      {ban: ['192.0.2.77'], terminate_sessions: true},
      probe({
        files: {[DROPIN]: {exists: true, mode: 0o600, content: LOCKDOWN_SSHD}},
        queries: {ld_ufw_added: {code: 0, out: after}, ld_conns: {code: 0, out: SS.split('\n')[0] ?? ''}},
      }),
      f,
    );
    expect(p.actions).toEqual([]);
  });

  it('without terminate_sessions, other sessions are named, not ended', () => {
    const p = plan({});
    expect(argvs(p.actions).some((a) => a.includes('KILL') || a.includes('kill'))).toBe(false);
    const w = p.findings.find((f) => f.level === 'warn' && /other SSH session/.test(f.message));
    expect(w?.message).toContain('192.0.2.66:41234');
    expect(w?.message).not.toContain('198.51.100.7:50000');
    expect(w?.fix).toBe('set terminate_sessions=true to end them');
  });

  it('bans through fail2ban when its sshd jail runs, only what is not banned yet, and lifts them on rollback', () => {
    const f2b = {code: 0, out: 'Status for the jail: sshd\n`- Actions\n   `- Banned IP list:\t192.0.2.77\n'};
    const p = plan({ban: ['192.0.2.77', '2001:db8::99']}, probe({queries: {ld_f2b: f2b}}));
    const cmds = argvs(p.actions);
    expect(cmds).toContain('fail2ban-client set sshd banip 2001:db8::99');
    expect(cmds.some((c) => c.includes('banip 192.0.2.77'))).toBe(false);
    expect(cmds.some((c) => c.startsWith('ufw prepend deny'))).toBe(false);
    expect(compileRollback(p.onRollback)).toContain(
      'fail2ban-client set sshd unbanip 2001:db8::99 >/dev/null 2>&1 || true',
    );
  });

  it('enables ufw last when it was off, and turns it off again on rollback', () => {
    const off: Facts = {...facts, firewall: {...facts.firewall, ufw: 'inactive'}};
    const p = plan({}, probe(), off);
    const cmds = argvs(p.actions);
    expect(cmds.indexOf('ufw --force enable')).toBe(cmds.indexOf('proof') - 1);
    expect(compileRollback(p.onRollback)).toContain('ufw --force disable');
  });

  it('refuses a host whose firewall is not ufw, with what to do by hand', () => {
    const p = plan({}, probe(), profileFacts('rhel-9'));
    expect(p.actions).toEqual([]);
    const e = p.findings.find((f) => f.level === 'error');
    expect(e?.message).toMatch(/restricts SSH with ufw .* this host runs firewalld, so nothing was changed/);
    expect(e?.fix).toContain('firewall-cmd --add-rich-rule');
  });

  it('refuses when the operator’s own address is unknown (a local run)', () => {
    const local: Facts = {...facts, operator: {...facts.operator, clientAddress: undefined}};
    const p = plan({}, probe(), local);
    expect(p.actions).toEqual([]);
    expect(p.findings.find((f) => f.level === 'error')?.message).toMatch(/your own address is unknown/);
  });
});
