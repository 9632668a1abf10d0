import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {Facts, PlatformId} from '../../src/core/facts.js';
import type {Action, PlannedStep, ProbeData, Step, StepContext} from '../../src/core/types.js';
import {compileAction} from '../../src/engine/compile.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {applyRunbook, planRunbook, planStep} from '../../src/engine/runbook.js';
import {type Exposure, exposures} from '../../src/platform/exposure.js';
import {nftInbound, ufwInbound} from '../../src/platform/firewall/inbound.js';
import {nftables} from '../../src/platform/firewall/nftables.js';
import {parseUfwAdded} from '../../src/platform/firewall/ufw.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {exposureSummary} from '../../src/present/exposure-table.js';
import {renderServerConf} from '../../src/render/wireguard.js';
import {closePorts} from '../../steps/close-ports.js';
import {firewall} from '../../steps/firewall.js';
import {STEPS} from '../../steps/index.js';
import {fakeStep} from '../helpers/fake-step.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {paramsFor, runSettings, runValues} from '../helpers/run-values.js';

const values = {
  admin_user: 'admin',
  ssh_port: 2222,
  admin_sudo: 'nopasswd',
  wg_subnet: '10.66.0.0/24',
  connect_tunnel: true,
};
const KEY = Buffer.alloc(32, 7).toString('base64');
const WG_CONF = renderServerConf({
  iface: 'wg0',
  address: '10.66.0.1/24',
  listenPort: 51820,
  keyFile: '/etc/wireguard/wg0.key',
  peers: [{name: 'admin', publicKey: KEY, address: '10.66.0.2'}],
});
const UFW_FILES = ['/etc/default/ufw', '/etc/ufw/ufw.conf', '/etc/ufw/user.rules', '/etc/ufw/user6.rules'];
const SHOW_ADDED = "Added user rules (see 'ufw status' for running firewall):";
const TUNNEL_RULE = "ufw allow in on wg0 to any port 2222 proto tcp comment 'portcullis: ssh via tunnel'";

function commands(step: PlannedStep): string {
  return step.plan.actions.flatMap((a) => compileAction(a, {runId: 'R', stepId: step.id, style: 'review'})).join('\n');
}
const kinds = (step: PlannedStep) => step.plan.actions.map((a) => a.kind);
const errors = (step: PlannedStep) => step.plan.findings.filter((f) => f.level === 'error').map((f) => f.message);

/** The offline dry run of the whole recipe for a platform: close-ports as it would run after the others. */
async function offline(
  p: PlatformId,
  v: Record<string, unknown> = values,
  facts: Facts = profileFacts(p),
): Promise<PlannedStep> {
  const steps = await planRunbook(undefined, facts, STEPS, runValues(v), {settings: runSettings(v)});
  return steps.find((s) => s.id === 'close-ports') as PlannedStep;
}

/** Timer, changes, then the proof through the tunnel (with a handshake check), persistence, disarm. */
function expectGuardedByTunnel(step: PlannedStep) {
  const k = kinds(step);
  expect(k[0]).toBe('timer.arm');
  expect(k.at(-1)).toBe('timer.disarm');
  expect(k.filter((x) => x === 'proof')).toHaveLength(1);
  const proof = step.plan.actions.find((a) => a.kind === 'proof') as Extract<Action, {kind: 'proof'}>;
  expect(proof.route).toEqual({host: '10.66.0.1', user: 'admin', port: 2222});
  expect(proof.tunnel).toMatchObject({iface: 'wg0', peer: 'admin', connect: true});
  expect(step.risk).toBe('lockout');
}

/** A live Debian host after the firewall and wireguard steps: ufw active, SSH on 2222, wg0 up. */
function debianAfterWireguard(): Facts {
  const f = profileFacts('debian-12');
  f.firewall = {...f.firewall, active: 'ufw', ufw: 'active'};
  f.ssh.effective.port = ['2222'];
  f.source = 'live';
  return f;
}
const ufwProbe = (added: string[]): ProbeData => ({
  files: {
    '/etc/default/ufw': {
      exists: true,
      mode: 0o644,
      content: 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n',
    },
    '/etc/wireguard/wg0.conf': {exists: true, mode: 0o600, content: WG_CONF},
  },
  queries: {ufw_added: {code: 0, out: [SHOW_ADDED, ...added].join('\n')}},
});
const PUBLIC_RULES = [
  "ufw allow 2222/tcp comment 'portcullis: ssh'",
  "ufw allow 51820/udp comment 'portcullis: wireguard'",
];
const CLOSED_RULES = ["ufw allow 51820/udp comment 'portcullis: wireguard'", TUNNEL_RULE];

function live(
  step: Step<unknown>,
  facts: Facts,
  probe: ProbeData,
  extra: Partial<StepContext<unknown>> = {},
  v: Record<string, unknown> = values,
): PlannedStep {
  const access = {user: 'admin', host: '10.66.0.1', port: 2222, kind: 'ssh' as const};
  return planStep(step, {
    facts,
    params: paramsFor(step, {...v, target_host: access.host}, facts),
    probe,
    access,
    done: STEPS.map((s) => s.id).slice(
      0,
      STEPS.findIndex((s) => s.id === step.id),
    ),
    ...extra,
  });
}

const canNft = spawnSync('unshare', ['-rn', 'nft', '--version']).status === 0;
/** Runs `nft` on the file in a throwaway user+network namespace (never the host's ruleset). */
function nftIn(text: string, script: string) {
  const dir = mkdtempSync(join(tmpdir(), 'pc-nft-'));
  try {
    const f = join(dir, 'firewall.nft');
    writeFileSync(f, text);
    return spawnSync('unshare', ['-rn', 'sh', '-c', script, 'sh', f], {encoding: 'utf8'});
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

describe('close-ports: offline plans per firewall backend', () => {
  it('runs last in the runbook, after verify-tunnel and the agent-service steps (they touch neither SSH nor the firewall)', () => {
    const ids = STEPS.map((s) => s.id);
    expect(ids.at(-1)).toBe('close-ports');
    expect(ids.slice(ids.indexOf('verify-tunnel'))).toEqual([
      'verify-tunnel',
      'service-user',
      'harden-units',
      'close-ports',
    ]);
  });

  it('debian-12 (ufw): lets SSH in on wg0 first, then deletes the public rule; WireGuard stays public', async () => {
    const step = await offline('debian-12');
    expect(errors(step)).toEqual([]);
    expectGuardedByTunnel(step);
    const text = commands(step);
    expect(text).toContain(TUNNEL_RULE);
    expect(text).toContain('ufw delete allow 2222/tcp');
    expect(text.indexOf(TUNNEL_RULE)).toBeLessThan(text.indexOf('ufw delete allow 2222/tcp'));
    expect(text).not.toMatch(/delete allow 51820/);
    expect(text).not.toContain('ufw --force enable');
    // Every change is under the timer and before the proof; the rollback restores ufw's files and reloads.
    const proofAt = kinds(step).indexOf('proof');
    const rules = step.plan.actions.flatMap((a, i) => (a.kind === 'firewall.rule' ? [i] : []));
    expect(rules.every((i) => i < proofAt)).toBe(true);
    expect(compileRollback(step.plan.onRollback)).toEqual(['ufw reload']);
    const touched = step.plan.actions.flatMap((a) => ('touches' in a && a.touches ? a.touches : []));
    for (const f of UFW_FILES) expect(touched).toContain(f);
  });

  it('public_ports stay public; the proof window is shorter than the timer', async () => {
    const step = await offline('debian-12', {...values, public_ports: ['443/tcp'], confirm_timeout: 60});
    const text = commands(step);
    expect(text).not.toMatch(/delete allow 443/);
    expect(step.plan.actions[0]).toEqual({kind: 'timer.arm', seconds: 60});
    const proof = step.plan.actions.find((a) => a.kind === 'proof') as Extract<Action, {kind: 'proof'}>;
    expect(proof.tunnel?.timeoutS).toBe(45);
  });

  it('rhel-9 (firewalld): a rich rule for the tunnel network, the public port removed at runtime, persisted after the proof', async () => {
    const step = await offline('rhel-9');
    expect(errors(step)).toEqual([]);
    expectGuardedByTunnel(step);
    const rich = 'rule family="ipv4" source address="10.66.0.0/24" port port="2222" protocol="tcp" accept';
    const argvs = step.plan.actions.flatMap((a) => (a.kind === 'firewall.rule' ? [a.argv.join(' ')] : []));
    const at = (s: string) => argvs.indexOf(s);
    const proofAt = kinds(step).indexOf('proof');
    const index = (s: string) =>
      step.plan.actions.findIndex((a) => a.kind === 'firewall.rule' && a.argv.join(' ') === s);
    for (const layer of ['firewall-cmd', 'firewall-cmd --permanent']) {
      expect(at(`${layer} --zone=public --add-rich-rule=${rich}`), layer).toBeGreaterThanOrEqual(0);
      expect(at(`${layer} --zone=public --remove-port=2222/tcp`), layer).toBeGreaterThan(
        at(`${layer} --zone=public --add-rich-rule=${rich}`),
      );
      // The stock ssh service (port 22) went in the firewall step already: sshd left 22 in ssh-hardening.
      expect(at(`${layer} --zone=public --remove-service=ssh`), layer).toBe(-1);
    }
    expect(index(`firewall-cmd --zone=public --remove-port=2222/tcp`)).toBeLessThan(proofAt);
    expect(index(`firewall-cmd --permanent --zone=public --add-rich-rule=${rich}`)).toBeGreaterThan(proofAt);
    expect(argvs.some((a) => /51820/.test(a))).toBe(false);
    expect(compileRollback(step.plan.onRollback)).toEqual(['firewall-cmd --reload']);
    const touched = step.plan.actions.flatMap((a) => ('touches' in a && a.touches ? a.touches : []));
    expect(touched).toContain('/etc/firewalld/zones/public.xml');
  });

  it('arch (nftables): our table accepts SSH only on wg0; checked with nft -c before it is loaded', async () => {
    const step = await offline('arch');
    expect(errors(step)).toEqual([]);
    expectGuardedByTunnel(step);
    const w = step.plan.actions.find(
      (a): a is Extract<Action, {kind: 'file.write'}> => a.kind === 'file.write' && a.path.endsWith('firewall.nft'),
    );
    const nft = w?.content ?? '';
    expect(nft).toContain('iifname "wg0" tcp dport 2222 accept comment "portcullis: ssh via tunnel"');
    expect(nft).not.toMatch(/^\s*tcp dport 2222 accept/m);
    expect(nft).toContain('udp dport 51820 accept comment "portcullis: wireguard"');
    const text = commands(step);
    expect(text.indexOf('nft -c -f /etc/portcullis/firewall.nft')).toBeLessThan(
      text.indexOf('nft -f /etc/portcullis/firewall.nft'),
    );
    expect(compileRollback(step.plan.onRollback)[0]).toBe('nft -f /etc/portcullis/firewall.nft');
  });

  it.skipIf(!canNft)(
    'the closed nftables table passes `nft -c -f`, and loaded it lets nothing in but WireGuard',
    async () => {
      // sshd already on 2222 (the dry run otherwise plans for port 22 as well, before the move).
      const facts = profileFacts('arch');
      facts.ssh.effective.port = ['2222'];
      const step = await offline('arch', values, facts);
      const w = step.plan.actions.find(
        (a): a is Extract<Action, {kind: 'file.write'}> => a.kind === 'file.write' && a.path.endsWith('firewall.nft'),
      );
      const check = nftIn(w?.content ?? '', 'nft -c -f "$1"');
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
      const listed = nftIn(w?.content ?? '', 'nft -f "$1" && nft list table inet portcullis');
      expect(listed.status, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/iifname "wg0" tcp dport 2222 accept/);
      expect(nftInbound(listed.stdout.split('\n'))?.open.filter((s) => !['68/udp', '546/udp'].includes(s))).toEqual([
        '51820/udp',
      ]);
      // As nft lists it, the table is recognised as closed: the firewall step and close-ports then plan nothing.
      facts.firewall = {...facts.firewall, active: 'nftables', nftTables: ['inet portcullis']};
      const unit = (
        await planRunbook(undefined, profileFacts('arch'), [firewall as never], runValues(values))
      )[0]?.plan.actions.find(
        (a): a is Extract<Action, {kind: 'file.write'}> => a.kind === 'file.write' && a.path.endsWith('.service'),
      );
      const probe: ProbeData = {
        files: {
          '/etc/portcullis/firewall.nft': {exists: true, mode: 0o600, content: w?.content ?? ''},
          '/etc/systemd/system/portcullis-firewall.service': {exists: true, content: unit?.content ?? ''},
          '/etc/wireguard/wg0.conf': {exists: true, mode: 0o600, content: WG_CONF},
        },
        queries: {
          nft_present: {code: 0, out: '/usr/bin/nft'},
          nft_loaded: {code: 0, out: listed.stdout},
          nft_boot: {code: 0, out: 'enabled'},
        },
      };
      expect(nftables.tunnelOnly(facts, probe)).toEqual([
        {port: 2222, proto: 'tcp', why: 'ssh via tunnel', via: {iface: 'wg0'}},
      ]);
      expect(live(firewall as never, facts, probe).plan.actions).toEqual([]);
      expect(live(closePorts as never, facts, probe).plan.actions).toEqual([]);
    },
  );

  it('alpine (nftables, OpenRC): the same table, persisted through our OpenRC service as before', async () => {
    const step = await offline('alpine');
    expect(errors(step)).toEqual([]);
    expectGuardedByTunnel(step);
    expect(commands(step)).toContain('iifname "wg0" tcp dport 2222 accept');
  });

  it('macos (pf): refuses with the reason, changing nothing', async () => {
    const step = await offline('macos', {admin_user: 'admin', connect_tunnel: true});
    expect(step.plan.actions).toEqual([]);
    expect(errors(step)).toEqual([
      'macOS is not a WireGuard server for portcullis, so there is no tunnel to put SSH behind; public SSH stays as it is',
    ]);
  });
});

describe('close-ports: guards', () => {
  it('refuses, changing nothing, unless verify-tunnel succeeded earlier in the same run', () => {
    const facts = debianAfterWireguard();
    const probe = ufwProbe(PUBLIC_RULES);
    for (const done of [undefined, ['preflight', 'firewall', 'wireguard']]) {
      const step = live(closePorts as never, facts, probe, {done});
      expect(step.plan.actions).toEqual([]);
      expect(errors(step)).toEqual([
        'close-ports runs only after verify-tunnel has proven a login through the tunnel in this same run (put verify-tunnel before it in the recipe, or do not stop the run before it); public SSH stays open',
      ]);
    }
    const ok = live(closePorts as never, facts, probe, {done: ['verify-tunnel']});
    expect(errors(ok)).toEqual([]);
    expect(commands(ok)).toContain(TUNNEL_RULE);
  });

  it('headless without --connect-tunnel refuses, as verify-tunnel does', () => {
    const step = live(
      closePorts as never,
      debianAfterWireguard(),
      ufwProbe(PUBLIC_RULES),
      {},
      {
        ...values,
        connect_tunnel: false,
      },
    );
    expect(step.plan.actions).toEqual([]);
    expect(errors(step)[0]).toMatch(/needs --connect-tunnel/);
  });

  it('refuses with the firewall off, or without a WireGuard server', () => {
    const off = debianAfterWireguard();
    off.firewall = {...off.firewall, active: 'none', ufw: 'inactive'};
    expect(errors(live(closePorts as never, off, ufwProbe(PUBLIC_RULES)))[0]).toMatch(
      /host firewall \(ufw\) is not on: .* the firewall step comes first/,
    );
    const probe = ufwProbe(PUBLIC_RULES);
    probe.files['/etc/wireguard/wg0.conf'] = {exists: false};
    expect(errors(live(closePorts as never, debianAfterWireguard(), probe))[0]).toMatch(
      /no WireGuard server on this host/,
    );
  });

  it('a run that came in over public SSH is told to use the tunnel next; one through the tunnel is not', () => {
    const pub = debianAfterWireguard();
    pub.operator = {...pub.operator, serverAddress: '203.0.113.5'};
    const warn = live(closePorts as never, pub, ufwProbe(PUBLIC_RULES), {
      access: {user: 'root', host: '203.0.113.5', port: 2222, kind: 'ssh'},
    }).plan.findings.filter((f) => f.level === 'warn');
    expect(warn.map((f) => f.message)).toEqual([
      'this run came in over public SSH (203.0.113.5); its open connection survives the change, but from now on SSH answers only through the tunnel: ssh -p 2222 admin@10.66.0.1',
    ]);
    const tun = debianAfterWireguard();
    tun.operator = {...tun.operator, serverAddress: '10.66.0.1'};
    const quiet = live(closePorts as never, tun, ufwProbe(PUBLIC_RULES));
    expect(quiet.plan.findings.filter((f) => f.level === 'warn')).toEqual([]);
  });

  it('a public SSH rule that is not ours goes too (ufw allow OpenSSH); the firewall step alone keeps it', () => {
    const facts = debianAfterWireguard();
    facts.ssh.effective.port = ['22'];
    const probe = ufwProbe([
      "ufw allow 51820/udp comment 'portcullis: wireguard'",
      'ufw allow OpenSSH',
      'ufw allow 8443/tcp',
    ]);
    const step = live(closePorts as never, facts, probe, {}, {...values, ssh_port: undefined});
    const text = commands(step);
    expect(text).toContain("ufw allow in on wg0 to any port 22 proto tcp comment 'portcullis: ssh via tunnel'");
    expect(text).toContain('ufw delete allow OpenSSH');
    expect(text).not.toContain('8443');
    expect(step.plan.findings.some((f) => /8443\/tcp \(a rule of yours, kept\)/.test(f.message))).toBe(true);
    const fw = live(firewall as never, facts, probe, {}, {...values, ssh_port: undefined});
    expect(commands(fw)).not.toContain('delete allow OpenSSH');
  });
});

describe('close-ports: idempotence across re-runs', () => {
  it('ufw: once SSH is closed to wg0, close-ports and the firewall step plan nothing (the firewall step never reopens it)', () => {
    const facts = debianAfterWireguard();
    const probe = ufwProbe(CLOSED_RULES);
    const close = live(closePorts as never, facts, probe, {done: ['verify-tunnel']});
    expect(close.plan.actions).toEqual([]);
    const fw = live(firewall as never, facts, probe);
    expect(fw.plan.actions).toEqual([]);
    expect(fw.plan.findings.some((f) => /stays reachable through the tunnel only/.test(f.message))).toBe(true);
    // Without close-ports' rule the firewall step would allow SSH from anywhere, as before.
    const open = live(firewall as never, facts, ufwProbe(["ufw allow 51820/udp comment 'portcullis: wireguard'"]));
    expect(commands(open)).toContain("ufw allow 2222/tcp comment 'portcullis: ssh'");
  });

  it('firewalld: the rich rule marks the zone closed; neither step changes it again', () => {
    const facts = profileFacts('rhel-9');
    facts.ssh.effective.port = ['2222'];
    const zone =
      'public (active)\n  target: default\n  services: cockpit dhcpv6-client\n  ports: 51820/udp\n  rich rules: \n\trule family="ipv4" source address="10.66.0.0/24" port port="2222" protocol="tcp" accept\n';
    const probe: ProbeData = {
      files: {'/etc/wireguard/wg0.conf': {exists: true, mode: 0o600, content: WG_CONF}},
      queries: {
        fwd_zone: {code: 0, out: 'public'},
        fwd_runtime: {code: 0, out: zone},
        fwd_permanent: {code: 0, out: zone},
        fwd_enabled: {code: 0, out: 'enabled'},
      },
    };
    expect(live(firewall as never, facts, probe).plan.actions).toEqual([]);
    expect(live(closePorts as never, facts, probe).plan.actions).toEqual([]);
  });
});

describe('close-ports: what the firewall reads back', () => {
  it('parses ufw rules on one incoming interface, and ufw status does not count them as open', () => {
    expect(parseUfwAdded(`${SHOW_ADDED}\n${TUNNEL_RULE}`)).toEqual([
      {action: 'allow', port: 2222, proto: 'tcp', comment: 'portcullis: ssh via tunnel', iface: 'wg0'},
    ]);
    const status = [
      'Status: active',
      'Default: deny (incoming), allow (outgoing), disabled (routed)',
      '51820/udp                  ALLOW IN    Anywhere                   # portcullis: wireguard',
      '2222/tcp on wg0            ALLOW IN    Anywhere                   # portcullis: ssh via tunnel',
      '51820/udp (v6)             ALLOW IN    Anywhere (v6)              # portcullis: wireguard',
      '2222/tcp (v6) on wg0       ALLOW IN    Anywhere (v6)              # portcullis: ssh via tunnel',
    ];
    expect(ufwInbound(status, 'yes')).toEqual({
      v4: {defaultDeny: true, open: ['51820/udp']},
      v6: {defaultDeny: true, open: ['51820/udp']},
    });
  });

  it('nft: an accept on iifname is not open from anywhere', () => {
    expect(
      nftInbound([
        'type filter hook input priority filter; policy drop;',
        'iifname "wg0" tcp dport 2222 accept comment "portcullis: ssh via tunnel"',
        'udp dport 51820 accept comment "portcullis: wireguard"',
      ]),
    ).toEqual({defaultDeny: true, open: ['51820/udp']});
  });

  it('the exposure summary: public TCP and UDP ports before -> after', () => {
    const before = profileFacts('debian-12');
    before.listeners = [
      {proto: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd'},
      {proto: 'tcp', address: '0.0.0.0', port: 8080, process: 'python3'},
    ];
    const after = profileFacts('debian-12');
    after.ssh.effective.port = ['2222'];
    after.listeners = [
      {proto: 'tcp', address: '0.0.0.0', port: 2222, process: 'sshd'},
      {proto: 'tcp', address: '0.0.0.0', port: 8080, process: 'python3'},
      {proto: 'udp', address: '0.0.0.0', port: 51820, process: 'wireguard-go'},
    ];
    after.firewall = {
      ...after.firewall,
      active: 'ufw',
      ufw: 'active',
      inbound: {v4: {defaultDeny: true, open: ['51820/udp']}, v6: {defaultDeny: true, open: ['51820/udp']}},
    };
    const b: Exposure[] = exposures(before, ['51820/udp']);
    const a: Exposure[] = exposures(after, ['51820/udp']);
    expect(exposureSummary(b, a)).toBe('public TCP ports: 22, 8080 -> none; public UDP ports: none -> 51820');
    expect(exposureSummary(a, a)).toBe('public TCP ports: none; public UDP ports: 51820');
  });
});

describe('engine: which steps are done is known to the next step', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
  });

  function recorder(id: string, seen: Record<string, unknown>, actions: Action[] = []): Step<unknown> {
    return fakeStep(id, actions, {
      risk: 'safe',
      plan: (ctx) => {
        seen[id] = {done: ctx.done, dryRun: ctx.dryRun};
        return {actions, findings: [], onRollback: []};
      },
    });
  }

  it('apply: the steps that succeeded earlier in this run; a dry run: the steps before, assumed done', async () => {
    const {target} = fakeTarget();
    const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
    dirs.push(dir);
    const seen: Record<string, unknown> = {};
    const write: Action = {kind: 'file.write', path: '/etc/x', content: 'x\n', mode: 0o644};
    const steps = [recorder('a', seen), recorder('b', seen, [write]), recorder('c', seen)];
    await applyRunbook({
      target,
      facts: profileFacts('debian-12'),
      steps,
      values: runValues({}),
      runId: 'RUN',
      journal: new LocalJournal(join(dir, 'journal.jsonl')),
      events: () => {},
      confirm: async () => true,
    });
    expect(seen).toEqual({a: {done: []}, b: {done: ['a']}, c: {done: ['a', 'b']}});
    await planRunbook(undefined, profileFacts('debian-12'), steps, runValues({}));
    expect(seen).toEqual({
      a: {done: [], dryRun: true},
      b: {done: ['a'], dryRun: true},
      c: {done: ['a', 'b'], dryRun: true},
    });
  });
});
