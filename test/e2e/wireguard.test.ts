import {existsSync, statSync} from 'node:fs';
import {dirname} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {ADMIN_PASSWORD, type Sandbox, start} from '../sandbox/index.js';
import {canLogin, portcullis, waitFor} from './helpers.js';

const VPS = 'root@192.0.2.10';
const ADMIN = 'admin@192.0.2.10';
const RUN = [
  '--yes',
  '--until',
  'verify-tunnel',
  '--set',
  'admin_user=admin',
  '--set',
  'wg_subnet=10.66.0.0/24',
  '--connect-tunnel',
  '--json',
];
const sudo = {env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD}};

describe.skipIf(e2eSkipReason())('WireGuard on the sandbox VPS (userspace, no kernel module)', () => {
  let vps: Sandbox;
  beforeAll(async () => {
    vps = await start({log: () => {}});
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('when the handshake is blocked, verification fails and SSH stays reachable on its public port', async () => {
    await vps.laptop.run('iptables -A OUTPUT -p udp --dport 51820 -j DROP');
    try {
      const r = await portcullis(vps, ['apply', VPS, ...RUN, '--confirm-timeout', '20']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).status).toBe('failed');
      expect(r.stderr).toMatch(/no handshake from peer admin reached the server/);
      expect(await canLogin(vps, 'admin', 22)).toBe(true);
    } finally {
      await vps.laptop.run('iptables -D OUTPUT -p udp --dport 51820 -j DROP');
    }
  });

  it('sets up the server, brings the tunnel up here and proves an SSH login through it', async () => {
    const r = await portcullis(vps, ['apply', ADMIN, ...RUN], sudo);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps.find((s: {id: string}) => s.id === 'verify-tunnel').status).toBe('applied');
    expect(r.stdout).not.toMatch(/PrivateKey|private_key/);
    const [conf] = out.clientConfigs as string[];
    expect(conf).toMatch(/-admin\.conf$/);
    expect(statSync(conf as string).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(conf as string)).mode & 0o777).toBe(0o700);
    const text = (await vps.laptop.run(`cat ${conf}`)).stdout;
    expect(text).toContain('Endpoint = 192.0.2.10:51820');
    expect(text).toContain('AllowedIPs = 10.66.0.0/24');
    expect(text).not.toContain('DNS');
    const ssh = await vps.laptop.sshWith(
      {timeout: 20_000},
      '-o',
      'HostKeyAlias=192.0.2.10',
      'admin@10.66.0.1',
      'echo through-the-tunnel',
    );
    expect(ssh.stdout.trim()).toBe('through-the-tunnel');
    expect(await vps.execOk('stat -c %a /etc/wireguard /etc/wireguard/wg0.key /etc/wireguard/wg0.conf')).toBe(
      '700\n600\n600',
    );
    expect(await vps.execOk('grep -c PrivateKey /var/lib/portcullis/journal.jsonl || true')).toBe('0');
    expect(await vps.execOk('systemctl is-enabled wg-quick@wg0')).toBe('enabled');
  });

  it('a second apply through the tunnel as the admin changes nothing', async () => {
    const r = await portcullis(vps, ['apply', 'admin@10.66.0.1', ...RUN], sudo);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed, r.stderr).toBe(0);
  });

  it('peers added and removed while another peer is connected: its session survives', async () => {
    const session = vps.laptop.spawn('ssh', [
      '-F',
      vps.sshConfigPath,
      '-o',
      'HostKeyAlias=192.0.2.10',
      'admin@10.66.0.1',
      'sleep 12; echo still-here',
    ]);
    await waitFor(
      'the session through the tunnel',
      async () => (await vps.execOk('ss -Htn state established "( sport = :22 )" | grep -c 10.66.0.2 || true')) !== '0',
      10_000,
    );
    const add = await portcullis(
      vps,
      ['peers', 'add', 'alice', ADMIN, '--ssh-config', vps.sshConfigPath, '--json'],
      sudo,
    );
    expect(add.code, add.stderr).toBe(0);
    const peers = JSON.parse(
      (await portcullis(vps, ['peers', 'list', ADMIN, '--ssh-config', vps.sshConfigPath, '--json'], sudo)).stdout,
    );
    expect(peers.peers.map((p: {name: string}) => p.name).sort()).toEqual(['admin', 'alice']);
    expect(peers.peers.find((p: {name: string}) => p.name === 'alice').address).toBe('10.66.0.3');
    const show = await portcullis(
      vps,
      ['peers', 'show', 'alice', ADMIN, '--ssh-config', vps.sshConfigPath, '--json'],
      sudo,
    );
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toEqual({
      version: 1,
      command: 'peers show',
      peer: 'alice',
      clientConfig: JSON.parse(add.stdout).clientConfig,
    });
    const rm = await portcullis(
      vps,
      ['peers', 'remove', 'alice', ADMIN, '--ssh-config', vps.sshConfigPath, '--json'],
      sudo,
    );
    expect(rm.code, rm.stderr).toBe(0);
    expect(await vps.execOk('wg show wg0 peers | wc -l')).toBe('1');
    // Its key and client config are gone from the laptop: a new alice would get a new key.
    const aliceConf = JSON.parse(add.stdout).clientConfig as string;
    expect(existsSync(aliceConf)).toBe(false);
    expect(existsSync(aliceConf.replace(/\.conf$/, '.key'))).toBe(false);
    const s = await session.result;
    expect(s.stdout.trim()).toBe('still-here');
    expect(await vps.execOk('wg show wg0 public-key')).toBe(await vps.execOk('wg pubkey < /etc/wireguard/wg0.key'));
  });
});
