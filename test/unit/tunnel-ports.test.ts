import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {Facts, PlatformId} from '../../src/core/facts.js';
import {parseTunnelPort} from '../../src/core/firewall-policy.js';
import type {PlannedStep, ProbeData} from '../../src/core/types.js';
import {compileAction} from '../../src/engine/compile.js';
import {planRunbook, planStep} from '../../src/engine/runbook.js';
import {nftTunnelAccepts} from '../../src/platform/firewall/nftables.js';
import {parseUfwAdded} from '../../src/platform/firewall/ufw.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {parseSets} from '../../src/recipes/load.js';
import {renderServerConf} from '../../src/render/wireguard.js';
import {firewall} from '../../steps/firewall.js';
import {STEPS} from '../../steps/index.js';
import {paramsFor, runSettings, runValues} from '../helpers/run-values.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const WG_CONF = renderServerConf({
  iface: 'wg0',
  address: '10.66.0.1/24',
  listenPort: 51820,
  keyFile: '/etc/wireguard/wg0.key',
  peers: [
    {name: 'admin', publicKey: KEY, address: '10.66.0.2'},
    {name: 'phone', publicKey: Buffer.alloc(32, 9).toString('base64'), address: '10.66.0.3'},
  ],
});
const base = {admin_user: 'admin', admin_sudo: 'nopasswd', wg_subnet: '10.66.0.0/24'};

const commands = (s: PlannedStep | undefined) =>
  (s?.plan.actions ?? [])
    .flatMap((a) => compileAction(a, {runId: 'R', stepId: s?.id ?? '', style: 'review'}))
    .join('\n');
const nftFile = (s: PlannedStep | undefined) =>
  (s?.plan.actions ?? []).map((a) => (a.kind === 'file.write' && a.path.endsWith('.nft') ? a.content : '')).join('');
const errors = (s: PlannedStep | undefined) =>
  (s?.plan.findings ?? []).filter((f) => f.level === 'error').map((f) => f.message);

/** The firewall step on a host of the platform, planned with the profile's fresh probe plus this wg0.conf. */
function planFirewall(p: PlatformId, values: Record<string, unknown>, conf?: string): PlannedStep {
  const facts: Facts = profileFacts(p);
  const params = paramsFor(firewall, {...values, target_host: '192.0.2.10'}, facts);
  const off = firewall.offline?.(facts, params) ?? {};
  const probe: ProbeData = {
    files: {
      ...off.files,
      '/etc/wireguard/wg0.conf': conf ? {exists: true, mode: 0o600, content: conf} : {exists: false},
    },
    queries: {...off.queries},
  };
  const access = {user: 'admin', host: '192.0.2.10', port: 22, kind: 'ssh' as const};
  return planStep(firewall as never, {facts, params, probe, access});
}

describe('tunnel_ports: the server own services, let in on the tunnel only', () => {
  it('tunnel_ports is validated before connecting: a port, optionally @peer+peer', () => {
    expect(parseSets(['tunnel_ports=8080/tcp,9090/udp@phone+alice'])).toEqual({
      tunnel_ports: ['8080/tcp', '9090/udp@phone+alice'],
    });
    for (const bad of ['8080', '8080/tcp@', '8080/tcp@../x', "8080/tcp@a'b", '8080/tcp;reboot'])
      expect(() => parseSets([`tunnel_ports=${bad}`]), bad).toThrow(/tunnel_ports/);
    expect(parseTunnelPort('8080/tcp@phone+alice')).toEqual({port: 8080, proto: 'tcp', peers: ['phone', 'alice']});
  });

  it('ufw: allow in on wg0 only, never from anywhere; a peer limit adds its address', () => {
    const all = commands(planFirewall('debian-12', {...base, tunnel_ports: ['8080/tcp']}, WG_CONF));
    expect(all).toContain("ufw allow in on wg0 to any port 8080 proto tcp comment 'portcullis: tunnel port'");
    expect(all).not.toMatch(/ufw allow 8080/);
    const phone = commands(planFirewall('debian-12', {...base, tunnel_ports: ['8080/tcp@phone']}, WG_CONF));
    expect(phone).toContain(
      "ufw allow in on wg0 from 10.66.0.3 to any port 8080 proto tcp comment 'portcullis: tunnel port'",
    );
    // Read back as ufw lists it, the rule is ours and is not mistaken for the SSH tunnel rule.
    expect(
      parseUfwAdded("ufw allow in on wg0 from 10.66.0.3 to any port 8080 proto tcp comment 'portcullis: tunnel port'"),
    ).toEqual([
      {action: 'allow', port: 8080, proto: 'tcp', iface: 'wg0', from: '10.66.0.3', comment: 'portcullis: tunnel port'},
    ]);
  });

  it('nftables: an iifname "wg0" accept in our table (with the peer\'s ip saddr when limited)', () => {
    const text = nftFile(planFirewall('arch', {...base, tunnel_ports: ['8080/tcp', '9090/tcp@phone']}, WG_CONF));
    expect(text).toContain('iifname "wg0" tcp dport 8080 accept comment "portcullis: tunnel port"');
    expect(text).toContain('iifname "wg0" ip saddr 10.66.0.3 tcp dport 9090 accept comment "portcullis: tunnel port"');
    expect(text).not.toMatch(/^\s*tcp dport (8080|9090) accept/m);
    expect(nftTunnelAccepts(text.split('\n')).map((a) => `${a.port} ${a.from ?? '*'}`)).toEqual(
      expect.arrayContaining(['8080 *', '9090 10.66.0.3']),
    );
    const canNft = spawnSync('unshare', ['-rn', 'nft', '--version']).status === 0;
    if (!canNft) return;
    const dir = mkdtempSync(join(tmpdir(), 'pc-nft-'));
    try {
      writeFileSync(join(dir, 'fw.nft'), text);
      const r = spawnSync('unshare', ['-rn', 'nft', '-c', '-f', join(dir, 'fw.nft')], {encoding: 'utf8'});
      expect(r.status, r.stderr).toBe(0);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('firewalld: a rich rule for the tunnel network (or the peer), never a port of the zone', () => {
    const cmds = commands(planFirewall('rhel-9', {...base, tunnel_ports: ['8080/tcp', '9090/tcp@phone']}, WG_CONF));
    expect(cmds).toContain(
      `firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="10.66.0.0/24" port port="8080" protocol="tcp" accept'`,
    );
    expect(cmds).toContain(
      `firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="10.66.0.3" port port="9090" protocol="tcp" accept'`,
    );
    expect(cmds).not.toMatch(/--add-port=(8080|9090)/);
  });

  it('a peer the server does not have is refused, as is a port both public and tunnel-only', () => {
    expect(errors(planFirewall('debian-12', {...base, tunnel_ports: ['8080/tcp@carol']}, WG_CONF))[0]).toMatch(
      /tunnel_ports names peer\(s\) carol, which the server's WireGuard does not have/,
    );
    expect(
      errors(planFirewall('debian-12', {...base, tunnel_ports: ['8080/tcp'], public_ports: ['8080/tcp']}, WG_CONF))[0],
    ).toMatch(/8080\/tcp is in both public_ports and tunnel_ports/);
  });

  it('close-ports keeps the tunnel ports and closes SSH to the tunnel on the same plan', async () => {
    const v = {...base, ssh_port: 2222, tunnel_ports: ['8080/tcp'], connect_tunnel: true};
    const steps = await planRunbook(undefined, profileFacts('debian-12'), STEPS, runValues(v), {
      settings: runSettings(v),
    });
    const close = commands(steps.find((s) => s.id === 'close-ports'));
    expect(close).toContain("ufw allow in on wg0 to any port 2222 proto tcp comment 'portcullis: ssh via tunnel'");
    expect(close).not.toMatch(/delete allow .*8080/);
  });
});
