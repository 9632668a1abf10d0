import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {Facts, PlatformId} from '../../src/core/facts.js';
import type {Action, PlannedStep, ProbeData} from '../../src/core/types.js';
import {compileAction} from '../../src/engine/compile.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {planRunbook, planStep} from '../../src/engine/runbook.js';
import {nftInbound} from '../../src/platform/firewall/inbound.js';
import {parseUfwAdded, withIpv6} from '../../src/platform/firewall/ufw.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {renderNftables} from '../../src/render/nftables.js';
import {hasPfAnchor, renderPfAnchor, withPfAnchor} from '../../src/render/pf.js';
import {firewall} from '../../steps/firewall.js';
import {STEPS} from '../../steps/index.js';
import {paramsFor, runValues} from '../helpers/run-values.js';

const values = {admin_user: 'admin', ssh_port: 2222, admin_sudo: 'nopasswd'};

async function fw(p: PlatformId, v: Record<string, unknown> = values, facts: Facts = profileFacts(p)) {
  const steps = await planRunbook(undefined, facts, STEPS, runValues(v));
  const step = steps.find((s) => s.id === 'firewall') as PlannedStep;
  return {step, text: commands(step)};
}

function commands(step: PlannedStep): string {
  return step.plan.actions.flatMap((a) => compileAction(a, {runId: 'R', stepId: step.id, style: 'review'})).join('\n');
}

function written(step: PlannedStep, path: string): string | undefined {
  const w = step.plan.actions.find(
    (a): a is Extract<Action, {kind: 'file.write'}> => a.kind === 'file.write' && a.path === path,
  );
  return w?.content;
}

const kinds = (step: PlannedStep) => step.plan.actions.map((a) => a.kind);

/** The guard every backend shares: installs, then the timer, changes, the proof, persistence, the disarm. */
function expectGuarded(step: PlannedStep) {
  const k = kinds(step);
  const arm = k.indexOf('timer.arm');
  expect(arm).toBeGreaterThanOrEqual(0);
  expect(k.slice(0, arm).every((x) => x === 'package.install')).toBe(true);
  expect(k[k.length - 1]).toBe('timer.disarm');
  expect(k.filter((x) => x === 'proof')).toHaveLength(1);
  expect(k.indexOf('proof')).toBeGreaterThan(arm);
}

/** nft -c in a throwaway user+network namespace: it only parses and checks, and never sees the host ruleset. */
function nftCheck(text: string): {code: number | null; err: string} {
  const dir = mkdtempSync(join(tmpdir(), 'pc-nft-'));
  try {
    const f = join(dir, 'firewall.nft');
    writeFileSync(f, text);
    const r = spawnSync('unshare', ['-rn', 'nft', '-c', '-f', f], {encoding: 'utf8'});
    return {code: r.status, err: r.stderr};
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}
const canNft = spawnSync('unshare', ['-rn', 'nft', '--version']).status === 0;

/** Loads the file into a throwaway namespace's own ruleset and returns `nft list table inet portcullis` there. */
function nftLoadAndList(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pc-nft-'));
  try {
    const f = join(dir, 'firewall.nft');
    writeFileSync(f, text);
    const r = spawnSync('unshare', ['-rn', 'sh', '-c', 'nft -f "$1" && nft list table inet portcullis', 'sh', f], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout;
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

describe('firewall step: debian-12 (no firewall yet: ufw)', () => {
  it('installs ufw before the before-images, allows SSH on the port ssh-hardening moved it to and WireGuard with comments, enables, proves there', async () => {
    const {step, text} = await fw('debian-12');
    expect(step.risk).toBe('lockout');
    expectGuarded(step);
    expect(step.plan.actions[0]).toMatchObject({kind: 'package.install', packages: ['ufw']});
    // The dry run follows ssh-hardening: sshd listens on 2222 only by the time this step runs.
    expect(text).not.toMatch(/ufw allow 22\/tcp/);
    expect(text).toContain("ufw allow 2222/tcp comment 'portcullis: ssh'");
    expect(text).toContain("ufw allow 51820/udp comment 'portcullis: wireguard'");
    expect(text).toContain('ufw --force enable');
    expect(text.indexOf('ufw allow')).toBeLessThan(text.indexOf('ufw --force enable'));
    expect(step.plan.actions.find((a) => a.kind === 'proof')).toMatchObject({route: {user: 'admin', port: 2222}});
    expect(compileRollback(step.plan.onRollback)).toEqual(['ufw --force disable']);
    const touched = step.plan.actions.flatMap((a) => ('touches' in a && a.touches ? a.touches : []));
    for (const f of ['/etc/default/ufw', '/etc/ufw/ufw.conf', '/etc/ufw/user.rules', '/etc/ufw/user6.rules'])
      expect(touched).toContain(f);
  });

  it('public_ports are allowed; WireGuard can be left closed', async () => {
    const {text} = await fw('debian-12', {...values, public_ports: ['443/tcp'], firewall_allow_wireguard: false});
    expect(text).toContain("ufw allow 443/tcp comment 'portcullis: public port'");
    expect(text).not.toContain('51820');
    const {text: wg} = await fw('debian-12', {...values, wg_port: 51999});
    expect(wg).toContain('ufw allow 51999/udp');
  });

  it('refuses a malformed public port before anything is planned', async () => {
    await expect(fw('debian-12', {...values, public_ports: ['443/tcp; reboot']})).rejects.toThrow(/not like 443\/tcp/);
  });

  it('an active ufw that already has the rules plans nothing; a stale rule of ours is deleted by spec, yours is kept', async () => {
    const facts = profileFacts('debian-12');
    facts.firewall = {...facts.firewall, active: 'ufw', ufw: 'active'};
    facts.ssh.effective.port = ['2222'];
    const params = paramsFor(firewall, values, facts);
    const probe = (added: string): ProbeData => ({
      files: {
        '/etc/default/ufw': {
          exists: true,
          content: 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n',
        },
      },
      queries: {ufw_added: {code: 0, out: `Added user rules (see 'ufw status' for running firewall):\n${added}`}},
    });
    const access = {user: 'root', host: '203.0.113.5', port: 2222, kind: 'ssh' as const};
    const done = planStep(firewall as never, {
      facts,
      params,
      access,
      probe: probe(
        "ufw allow 2222/tcp comment 'portcullis: ssh'\nufw allow 51820/udp comment 'portcullis: wireguard'\nufw reject from 192.0.2.66 comment 'by Fail2Ban after 3 attempts against sshd'",
      ),
    });
    expect(done.plan.actions).toEqual([]);
    const stale = planStep(firewall as never, {
      facts,
      params,
      access,
      probe: probe(
        "ufw allow 22/tcp comment 'portcullis: ssh'\nufw allow 2222/tcp comment 'portcullis: ssh (new port)'\nufw allow 51820/udp comment 'portcullis: wireguard'\nufw allow 8443/tcp",
      ),
    });
    const t = commands(stale);
    expect(t).toContain('ufw delete allow 22/tcp');
    expect(t).not.toMatch(/ufw (--force )?delete [0-9]/);
    expect(t).not.toContain('8443');
    expect(t).not.toContain('ufw --force enable');
    expect(stale.plan.findings.some((f) => /8443\/tcp \(a rule of yours, kept\)/.test(f.message))).toBe(true);
    expect(compileRollback(stale.plan.onRollback)).toEqual(['ufw reload']);
  });

  it('turns IPv6 on in /etc/default/ufw when it is off, so IPv6 gets the same policy', () => {
    expect(withIpv6('IPV6=no\nDEFAULT_INPUT_POLICY="DROP"\n')).toBe('IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\n');
    const facts = profileFacts('ubuntu-22.04');
    facts.firewall = {...facts.firewall, active: 'ufw', ufw: 'active'};
    const step = planStep(firewall as never, {
      facts,
      params: paramsFor(firewall, values, facts),
      access: {user: 'root', host: 'h', port: 22, kind: 'ssh'},
      probe: {
        files: {
          '/etc/default/ufw': {
            exists: true,
            mode: 0o644,
            content: 'IPV6=no\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n',
          },
        },
        queries: {ufw_added: {code: 0, out: 'ufw allow 22/tcp\nufw allow 2222/tcp\nufw allow 51820/udp'}},
      },
    });
    expect(written(step, '/etc/default/ufw')).toBe(
      'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n',
    );
    expect(commands(step)).toContain('ufw reload');
    expect(step.plan.actions.some((a) => a.kind === 'package.install')).toBe(false);
  });

  it('reads `ufw show added` rules, ignoring what is not a plain port rule', () => {
    expect(
      parseUfwAdded(
        "Added user rules (see 'ufw status' for running firewall):\nufw allow 22/tcp comment 'portcullis: ssh'\nufw limit 80\nufw allow OpenSSH\nufw allow from 10.0.0.1 to any port 5432\nufw reject from 192.0.2.66",
      ),
    ).toEqual([
      {action: 'allow', port: 22, proto: 'tcp', comment: 'portcullis: ssh'},
      {action: 'limit', port: 80, proto: undefined, comment: undefined},
      {action: 'allow', port: 22, proto: 'tcp', comment: undefined, app: 'OpenSSH'},
    ]);
  });
});

describe('firewall step: rhel-9 (firewalld running)', () => {
  it('adds runtime ports, proves, then persists them; rollback reloads the restored zone', async () => {
    const {step, text} = await fw('rhel-9');
    expectGuarded(step);
    expect(text).toContain('firewall-cmd --zone=public --add-port=2222/tcp');
    expect(text).toContain('firewall-cmd --zone=public --add-port=51820/udp');
    expect(text).toContain('firewall-cmd --permanent --zone=public --add-port=2222/tcp');
    const k = kinds(step);
    const proof = k.indexOf('proof');
    const runtime = step.plan.actions.findIndex((a) => a.kind === 'firewall.rule' && !a.argv.includes('--permanent'));
    const permanent = step.plan.actions.findIndex((a) => a.kind === 'firewall.rule' && a.argv.includes('--permanent'));
    expect(runtime).toBeLessThan(proof);
    expect(permanent).toBeGreaterThan(proof);
    expect(compileRollback(step.plan.onRollback)).toEqual(['firewall-cmd --reload']);
    // sshd left port 22 in ssh-hardening (the dry run follows it): the stock ssh service goes too.
    expect(text).toContain('firewall-cmd --zone=public --remove-service=ssh');
    expect(step.plan.findings.some((f) => /cockpit/.test(f.message))).toBe(true);
    const touched = step.plan.actions.flatMap((a) => ('touches' in a && a.touches ? a.touches : []));
    expect(touched).toContain('/etc/firewalld/zones/public.xml');
  });

  it('once sshd has left port 22, the stock ssh service goes from the zone', async () => {
    const facts = profileFacts('rhel-9');
    facts.ssh.effective.port = ['2222'];
    const {text} = await fw('rhel-9', values, facts);
    expect(text).toContain('firewall-cmd --zone=public --remove-service=ssh');
    expect(text).toContain('firewall-cmd --permanent --zone=public --remove-service=ssh');
  });
});

describe('firewall step: arch and alpine (nftables, one table of our own)', () => {
  it('arch: writes the table, checks it with nft -c, loads it with nft -f, persists it with its own unit', async () => {
    const {step, text} = await fw('arch');
    expectGuarded(step);
    const nft = written(step, '/etc/portcullis/firewall.nft') ?? '';
    expect(nft).toContain('table inet portcullis {');
    expect(nft).toContain('policy drop;');
    expect(nft).toContain('tcp dport 2222 accept comment "portcullis: ssh"');
    expect(nft).toContain('udp dport 51820 accept comment "portcullis: wireguard"');
    expect(nft).toContain('meta l4proto ipv6-icmp accept');
    expect(nft).not.toMatch(/flush ruleset/);
    expect(text).toContain('nft -c -f /etc/portcullis/firewall.nft');
    expect(text).toContain('nft -f /etc/portcullis/firewall.nft');
    expect(text.indexOf('nft -c -f')).toBeLessThan(text.indexOf('nft -f /etc'));
    const unit = written(step, '/etc/systemd/system/portcullis-firewall.service') ?? '';
    expect(unit).toContain('ExecStart=/usr/sbin/nft -f /etc/portcullis/firewall.nft');
    expect(unit).toContain('WantedBy=sysinit.target');
    expect(text).toContain('systemctl enable portcullis-firewall.service');
    expect(kinds(step).indexOf('proof')).toBeLessThan(
      step.plan.actions.findIndex((a) => a.kind === 'file.write' && a.path.endsWith('.service')),
    );
    expect(step.plan.actions[0]).toMatchObject({kind: 'package.install', packages: ['nftables']});
    expect(compileRollback(step.plan.onRollback)[0]).toBe('nft delete table inet portcullis 2>/dev/null || true');
  });

  it('alpine: persists through an OpenRC service of ours (not local.d: Debian has no `local`), never the stock drop-everything /etc/nftables.nft', async () => {
    const {step, text} = await fw('alpine');
    expectGuarded(step);
    const service = written(step, '/etc/init.d/portcullis-firewall');
    expect(service).toMatch(/^#!\/sbin\/openrc-run\n/);
    expect(service).toContain('depend() { after nftables; before ssh sshd; }');
    expect(service).toContain('nft -f /etc/portcullis/firewall.nft');
    expect(text).toContain('rc-update add portcullis-firewall default');
    expect(text).not.toContain('/etc/nftables.nft');
    expect(text).not.toContain('local.d');
    // The runlevel link is a touched path: the rollback removes it with the files.
    const add = step.plan.actions.find((a) => a.kind === 'run' && a.argv.includes('portcullis-firewall'));
    expect(add).toMatchObject({touches: ['/etc/runlevels/default/portcullis-firewall']});
  });

  it.skipIf(!canNft)('the rendered table passes `nft -c -f` (checked in a throwaway namespace)', () => {
    const {code, err} = nftCheck(
      renderNftables([
        {port: 22, proto: 'tcp', why: 'ssh'},
        {port: 51820, proto: 'udp', why: 'wireguard'},
        {port: 443, proto: 'tcp', why: 'public port'},
      ]),
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(
      nftCheck('table inet portcullis { chain input { type filter hook input priority filter; policy dro; } }\n').code,
    ).toBe(1);
  });

  it.skipIf(!canNft)('a loaded table (as nft lists it) with its file and unit in place plans nothing', async () => {
    const facts = profileFacts('arch');
    facts.ssh.effective.port = ['2222'];
    const params = paramsFor(firewall, values, facts);
    const first = await planRunbook(undefined, facts, [firewall as never], runValues(values));
    const file = written(first[0] as PlannedStep, '/etc/portcullis/firewall.nft') ?? '';
    const unit = written(first[0] as PlannedStep, '/etc/systemd/system/portcullis-firewall.service') ?? '';
    const loaded = nftLoadAndList(file);
    expect(nftInbound(loaded.split('\n'))).toEqual({
      defaultDeny: true,
      open: ['68/udp', '546/udp', '2222/tcp', '51820/udp'],
    });
    const again = planStep(firewall as never, {
      facts,
      params,
      access: {user: 'root', host: 'h', port: 2222, kind: 'ssh'},
      probe: {
        files: {
          '/etc/portcullis/firewall.nft': {exists: true, content: file},
          '/etc/systemd/system/portcullis-firewall.service': {exists: true, content: unit},
        },
        queries: {
          nft_present: {code: 0, out: '/usr/bin/nft'},
          nft_loaded: {code: 0, out: loaded},
          nft_boot: {code: 0, out: 'enabled'},
        },
      },
    });
    expect(again.plan.actions).toEqual([]);
  });
});

describe('firewall step: macos (pf anchor)', () => {
  it('writes the anchor, references it from pf.conf, checks with pfctl -nf, enables with pfctl -E keeping the token', async () => {
    const {step, text} = await fw('macos', {admin_user: 'admin'});
    expectGuarded(step);
    const anchor = written(step, '/etc/pf.anchors/portcullis') ?? '';
    expect(anchor).toMatch(/^block drop in all$/m);
    expect(anchor).toContain('pass in quick proto tcp from any to any port 22 flags S/SA keep state');
    expect(anchor).toContain('pass in quick inet6 proto ipv6-icmp all');
    const conf = written(step, '/etc/pf.conf') ?? '';
    expect(conf).toContain('anchor "com.apple/*"');
    expect(conf).toContain('\nanchor "portcullis"\n');
    expect(conf).toContain('load anchor "portcullis" from "/etc/pf.anchors/portcullis"');
    expect(text).toContain('pfctl -nf /etc/pf.conf');
    expect(text.indexOf('pfctl -nf')).toBeLessThan(text.indexOf('pfctl -f /etc/pf.conf'));
    expect(text).toMatch(/pfctl -E .*Token/);
    expect(text).not.toMatch(/pfctl -d\b/);
    expect(compileRollback(step.plan.onRollback).join('\n')).toContain('pfctl -X');
    expect(compileRollback(step.plan.onRollback).join('\n')).not.toMatch(/pfctl -d\b/);
    expect(written(step, '/Library/LaunchDaemons/dev.portcullis.pf.plist')).toContain('<string>-E</string>');
  });

  it('adds the anchor lines once, after Apple’s', () => {
    const once = withPfAnchor('anchor "com.apple/*"\nload anchor "com.apple" from "/etc/pf.anchors/com.apple"\n');
    expect(hasPfAnchor(once)).toBe(true);
    expect(withPfAnchor(once)).toBe(once);
    expect(once.indexOf('anchor "portcullis"')).toBeGreaterThan(once.indexOf('com.apple'));
    expect(renderPfAnchor([{port: 51820, proto: 'udp', why: 'wireguard'}])).toContain(
      'pass in quick proto udp from any to any port 51820 keep state',
    );
  });
});

describe('firewall step: findings', () => {
  it('warns that Docker-published ports bypass the firewall, with the exact remedy, and names the provider firewall', async () => {
    const facts = profileFacts('debian-12');
    facts.docker = {present: true, publishedPorts: ['0.0.0.0:8080->80/tcp']};
    const {step} = await fw('debian-12', values, facts);
    const docker = step.plan.findings.find((f) => /Docker publishes/.test(f.message));
    expect(docker?.level).toBe('warn');
    expect(docker?.message).toMatch(/does not close them/);
    expect(docker?.fix).toContain('iptables -I DOCKER-USER -i eth0 -p tcp -m conntrack --ctorigdstport 8080 -j DROP');
    expect(docker?.fix).toContain('127.0.0.1');
    expect(step.plan.findings.some((f) => /provider \(cloud\) firewall/.test(f.message))).toBe(true);
  });
});
