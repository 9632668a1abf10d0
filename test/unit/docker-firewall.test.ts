import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {Facts, PlatformId} from '../../src/core/facts.js';
import type {Action, ProbeData, StepContext} from '../../src/core/types.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {exposures} from '../../src/platform/exposure.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {
  DOCKER_DAEMON_JSON,
  DOCKER_DROPIN,
  DOCKER_DROPIN_TEXT,
  DOCKER_SCRIPT,
  dockerAllowEntry,
  dockerChainRules,
  dockerFirewallScript,
  withLoopbackIp,
} from '../../src/render/docker-user.js';
import {MANAGED_MARK} from '../../src/render/wireguard.js';
import {type DockerFirewallParams, dockerFirewall} from '../../steps/docker-firewall.js';
import {paramsFor} from '../helpers/run-values.js';

const PUBLISHED = ['0.0.0.0:8081->8000/tcp', ':::8081->8000/tcp'];

function withDocker(p: PlatformId, filtered = false): Facts {
  const f = profileFacts(p);
  return {...f, docker: {present: true, publishedPorts: PUBLISHED, ...(filtered ? {filtered} : {})}};
}

const EMPTY: ProbeData = {files: {}, queries: {}};
const ACCESS: StepContext<unknown>['access'] = {user: 'root', host: '203.0.113.5', port: 22, kind: 'ssh'};

function plan(facts: Facts, values: Record<string, unknown> = {wg_subnet: '10.66.0.0/24'}, probe = EMPTY) {
  const params = paramsFor(dockerFirewall, values, facts);
  return {params, plan: dockerFirewall.plan({facts, params, probe, access: ACCESS})};
}

const written = (actions: Action[], path: string) =>
  actions.find((a): a is Extract<Action, {kind: 'file.write'}> => a.kind === 'file.write' && a.path === path)?.content;

/** The probe of a host where the step already ran with these params. */
function appliedProbe(params: DockerFirewallParams): ProbeData {
  const rules = {
    tunnel: {iface: 'wg0', subnet: params.tunnelNet},
    allowFrom: params.allowFrom,
    publicPorts: params.publicPorts,
  };
  return {
    files: {
      [DOCKER_SCRIPT]: {exists: true, mode: 0o755, content: dockerFirewallScript(rules)},
      [DOCKER_DROPIN]: {exists: true, mode: 0o644, content: DOCKER_DROPIN_TEXT},
    },
    queries: {
      docker_chain: {code: 0, out: ['-N PORTCULLIS-DOCKER', ...dockerChainRules(rules)].join('\n')},
      docker_jump: {code: 0, out: 'jump\n'},
    },
  };
}

describe('docker-firewall: the plan per firewall backend', () => {
  for (const [p, backend] of [
    ['debian-12', /ufw only rewrites its own chains/],
    ['rhel-9', /firewalld \(nftables backend\) keeps its rules in its own table/],
    ['arch', /flush ruleset/],
  ] as const) {
    it(`${p}: the same guarded DOCKER-USER plan, with what its firewall does to it`, () => {
      const {plan: pl} = plan(withDocker(p));
      expect(pl.actions.map((a) => a.kind)).toEqual([
        'timer.arm',
        'file.write',
        'file.write',
        'service',
        'firewall.rule',
        'proof',
        'timer.disarm',
      ]);
      expect(pl.findings.some((f) => backend.test(f.message))).toBe(true);
      expect(pl.findings.filter((f) => f.level === 'error')).toEqual([]);
      const script = written(pl.actions, DOCKER_SCRIPT) ?? '';
      expect(script).toContain('-A PORTCULLIS-DOCKER -s 10.66.0.0/24 -i wg0 -j RETURN');
      expect(script).toContain('iptables -w -I DOCKER-USER -j PORTCULLIS-DOCKER');
      expect(written(pl.actions, DOCKER_DROPIN)).toBe(DOCKER_DROPIN_TEXT);
      expect(compileRollback(pl.onRollback).join('\n')).toMatch(/iptables -w -D DOCKER-USER -j PORTCULLIS-DOCKER/);
    });
  }

  it('a host without Docker: nothing read, nothing to do, no package pulled', () => {
    const f = profileFacts('debian-12');
    const params = paramsFor(dockerFirewall, {}, f);
    expect(dockerFirewall.probe(f, params)).toEqual({});
    const {plan: pl} = plan(f);
    expect(pl.actions).toEqual([]);
    expect(pl.findings).toEqual([{level: 'info', message: 'Docker is not installed here: nothing to do'}]);
  });

  it('macOS (Docker Desktop) is left alone; OpenRC is refused with the manual way', () => {
    expect(plan(withDocker('macos')).plan.actions).toEqual([]);
    const alpine = plan(withDocker('alpine')).plan;
    expect(alpine.actions).toEqual([]);
    expect(alpine.findings[0]?.level).toBe('error');
    expect(alpine.findings[0]?.fix).toMatch(/127\.0\.0\.1/);
  });

  it('a re-run on the applied host changes nothing; a flushed chain is put back without rewriting files', () => {
    const f = withDocker('debian-12');
    const {params} = plan(f);
    expect(plan(f, {wg_subnet: '10.66.0.0/24'}, appliedProbe(params)).plan.actions).toEqual([]);
    const flushed = appliedProbe(params);
    flushed.queries.docker_chain = {code: 1, out: ''};
    flushed.queries.docker_jump = {code: 1, out: ''};
    const kinds = plan(f, {wg_subnet: '10.66.0.0/24'}, flushed).plan.actions.map((a) => a.kind);
    expect(kinds).toEqual(['timer.arm', 'firewall.rule', 'proof', 'timer.disarm']);
  });

  it('the tunnel network comes from wg0.conf once it exists, over the recipe value', () => {
    const probe: ProbeData = {
      files: {
        '/etc/wireguard/wg0.conf': {exists: true, content: `${MANAGED_MARK}\n[Interface]\nAddress = 10.77.0.1/24\n`},
      },
      queries: {},
    };
    const script = written(plan(withDocker('debian-12'), {}, probe).plan.actions, DOCKER_SCRIPT);
    expect(script).toContain('-A PORTCULLIS-DOCKER -s 10.77.0.0/24 -i wg0 -j RETURN');
  });

  it('docker_allow_from and public_ports: RETURN by source, and by the port the client asked for (not the container port)', () => {
    const rules = dockerChainRules({
      tunnel: {iface: 'wg0', subnet: '10.66.0.0/24'},
      allowFrom: ['198.51.100.7', '203.0.113.0/24'],
      publicPorts: [{port: 443, proto: 'tcp'}],
    });
    expect(rules).toContain('-A PORTCULLIS-DOCKER -s 198.51.100.7/32 -j RETURN');
    expect(rules).toContain('-A PORTCULLIS-DOCKER -s 203.0.113.0/24 -j RETURN');
    expect(rules).toContain('-A PORTCULLIS-DOCKER -p tcp -m conntrack --ctorigdstport 443 -j RETURN');
    // Replies and the containers' own traffic come before any drop; the drops come last.
    expect(rules[0]).toBe('-A PORTCULLIS-DOCKER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN');
    expect(rules.slice(-2)).toEqual([
      '-A PORTCULLIS-DOCKER -o docker0 -j DROP',
      '-A PORTCULLIS-DOCKER -o br-+ -j DROP',
    ]);
  });

  it('docker_allow_from refuses IPv6, (almost) everyone and anything that is not an address', () => {
    expect(dockerAllowEntry('198.51.100.0/24')).toBe('198.51.100.0/24');
    expect(() => dockerAllowEntry('2001:db8::/64')).toThrow(/IPv4/);
    expect(() => dockerAllowEntry('0.0.0.0/0')).toThrow(/lets in \(almost\) everyone/);
    expect(() => dockerAllowEntry('1.2.3.4;reboot')).toThrow();
  });

  it('docker_bind_localhost: "ip": "127.0.0.1" in daemon.json, every other key kept; anything but a JSON object refused', () => {
    const f = withDocker('debian-12');
    const values = {wg_subnet: '10.66.0.0/24', docker_bind_localhost: true};
    const withFile = (content: string): ProbeData => ({
      files: {[DOCKER_DAEMON_JSON]: {exists: true, mode: 0o600, content}},
      queries: {},
    });
    const pl = plan(f, values, withFile('{"log-driver": "journald", "ip": "0.0.0.0"}')).plan;
    const w = pl.actions.find(
      (a): a is Extract<Action, {kind: 'file.write'}> => a.kind === 'file.write' && a.path === DOCKER_DAEMON_JSON,
    );
    expect(JSON.parse(w?.content ?? '')).toEqual({'log-driver': 'journald', ip: '127.0.0.1'});
    expect(w?.mode).toBe(0o600);
    expect(
      pl.findings.some(
        (x) => x.level === 'warn' && /only containers created after Docker next restarts/.test(x.message),
      ),
    ).toBe(true);
    // A fresh install has no daemon.json: written new.
    expect(written(plan(f, values).plan.actions, DOCKER_DAEMON_JSON)).toBe('{\n  "ip": "127.0.0.1"\n}\n');
    // Already so: nothing to write for it, and no warning either.
    const done = plan(f, values, withFile('{"ip": "127.0.0.1"}')).plan;
    expect(written(done.actions, DOCKER_DAEMON_JSON)).toBeUndefined();
    for (const bad of ['{"ip": ', '["ip"]', 'null']) {
      const r = plan(f, values, withFile(bad)).plan;
      expect(r.actions).toEqual([]);
      expect(r.findings.at(-1)?.level).toBe('error');
    }
    // Without the value, daemon.json is neither read nor written.
    expect(dockerFirewall.probe(f, paramsFor(dockerFirewall, {}, f)).files).not.toContain(DOCKER_DAEMON_JSON);
    expect(withLoopbackIp(undefined).text).toBe('{\n  "ip": "127.0.0.1"\n}\n');
  });

  it('exposures: Docker ports count as blocked only once the chain runs, and public_ports stay exposed', () => {
    const before = exposures(withDocker('debian-12')).find((e) => e.port === 8081 && e.address === '0.0.0.0');
    expect(before?.exposed).toBe(true);
    expect(before?.fix).toMatch(/docker-firewall/);
    const after = exposures(withDocker('debian-12', true)).find((e) => e.port === 8081 && e.address === '0.0.0.0');
    expect(after?.blocked).toBe(true);
    const pub = exposures(withDocker('debian-12', true), ['8081/tcp']).find((e) => e.port === 8081);
    expect(pub?.exposed).toBe(true);
  });
});

/** Runs the script in a throwaway user+network namespace: real iptables, never the host's rules. */
function runScript(script: string, after = ''): {code: number | null; out: string; err: string} {
  const dir = mkdtempSync(join(tmpdir(), 'pc-docker-'));
  try {
    const f = join(dir, 'script');
    writeFileSync(f, script, {mode: 0o755});
    const r = spawnSync('unshare', ['-rn', 'sh', '-c', `sh "$1" && sh "$1" && ${after || 'true'}`, 'sh', f], {
      encoding: 'utf8',
    });
    return {code: r.status, out: r.stdout, err: r.stderr};
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

const canIptables = spawnSync('unshare', ['-rn', 'iptables', '-w', '-S']).status === 0;

describe.skipIf(!canIptables)('docker-firewall: the script under real iptables', () => {
  const rules = {
    tunnel: {iface: 'wg0', subnet: '10.66.0.0/24'},
    allowFrom: ['198.51.100.7'],
    publicPorts: [
      {port: 443, proto: 'tcp' as const},
      {port: 5353, proto: 'udp' as const},
    ],
  };

  it('run twice: one jump at the top of DOCKER-USER, and the chain exactly as a re-run compares it', () => {
    const r = runScript(dockerFirewallScript(rules), 'iptables -w -S DOCKER-USER; iptables -w -S PORTCULLIS-DOCKER');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines.filter((l) => l === '-A DOCKER-USER -j PORTCULLIS-DOCKER')).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('-A PORTCULLIS-DOCKER'))).toEqual(dockerChainRules(rules));
  });

  it("keeps the admin's own DOCKER-USER rules, below the jump", () => {
    const script = dockerFirewallScript(rules).replace(
      'iptables -w -N DOCKER-USER 2>/dev/null || true',
      'iptables -w -N DOCKER-USER 2>/dev/null && iptables -w -A DOCKER-USER -s 192.0.2.99 -j DROP || true',
    );
    const r = runScript(script, 'iptables -w -S DOCKER-USER');
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n').slice(1)).toEqual([
      '-A DOCKER-USER -j PORTCULLIS-DOCKER',
      '-A DOCKER-USER -s 192.0.2.99/32 -j DROP',
    ]);
  });
});
