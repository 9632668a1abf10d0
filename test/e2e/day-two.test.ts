import {readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {ADMIN_PASSWORD, INTERNAL_SERVICE, Laptop, type Sandbox, type SandboxChild, start} from '../sandbox/index.js';
import {run} from '../sandbox/run.js';
import {BIN, keySsh, portcullis, waitFor} from './helpers.js';

const VALUES = ['--set', 'admin_user=admin', '--set', 'ssh_port=2222', '--set', 'wg_subnet=10.66.0.0/24'];
const FRESH = ['--recipe', 'fresh-vps', ...VALUES, '--yes', '--json'];
const TUNNEL = 'admin@10.66.0.1:2222';
const SUDO = {env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD}};
const PHONE_IP = '192.0.2.30';

type Step = {id: string; status: string};
const statusOf = (out: {steps: Step[]}, id: string) => out.steps.find((s) => s.id === id)?.status;

/** Open TCP ports in nmap's grepable output. */
const openPorts = (grepable: string) => [...grepable.matchAll(/(\d+)\/open\/tcp/g)].map((m) => m[1] ?? '');

/**
 * Day two on one sandbox: fresh-vps as root over public SSH closes SSH to the tunnel; from then on every
 * run comes through the tunnel (admin@10.66.0.1:2222) and none brings a tunnel up itself: re-runs, a
 * phone's peer (its handshake from a device of its own), a team onboarded and offboarded, and a service
 * of the server let in through the tunnel only.
 */
describe.skipIf(e2eSkipReason())('day two through the tunnel on the sandbox VPS', () => {
  let vps: Sandbox;
  let phone: Laptop | undefined;
  let phoneNs = '';
  let teamFile = '';
  let aliceSession: SandboxChild | undefined;
  const keys: Record<string, {path: string; pub: string}> = {};
  const stateDir = () => join(vps.laptop.env.XDG_STATE_HOME, 'portcullis', 'wireguard');
  const team = (bob: 'active' | 'left') =>
    `members:\n  - name: alice\n    key: ${JSON.stringify(keys.alice?.pub)}\n  - name: bob\n    key: ${JSON.stringify(keys.bob?.pub)}\n${bob === 'left' ? '    state: left\n' : ''}`;
  const onboard = () =>
    portcullis(
      vps,
      ['apply', TUNNEL, '--recipe', 'team-onboarding', '--set', `team_file=${teamFile}`, '--yes', '--json'],
      SUDO,
    );
  const memberSsh = (name: string, command: string) =>
    keySsh(
      keys[name]?.path ?? '',
      `${name}@10.66.0.1`,
      command,
      '-p',
      '2222',
      '-o',
      'ConnectTimeout=5',
      '-o',
      'LogLevel=ERROR',
    );
  /** The operator's key login on the public address, port 2222. */
  const canLoginPublic = async () =>
    (await vps.laptop.sshWith({timeout: 20_000}, '-p', '2222', '-o', 'ConnectTimeout=4', 'admin@192.0.2.10', 'true'))
      .code === 0;
  const memberLogin = (name: string) => vps.laptop.runArgv(['ssh', ...memberSsh(name, 'id -un')], {timeout: 30_000});

  beforeAll(async () => {
    vps = await start({log: () => {}});
    teamFile = join(vps.laptop.home, 'team.yaml');
    for (const name of ['alice', 'bob']) {
      const path = join(vps.laptop.home, `${name}_ed25519`);
      const r = await vps.laptop.runArgv(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
      expect(r.code, r.stderr).toBe(0);
      keys[name] = {path, pub: readFileSync(`${path}.pub`, 'utf8').trim()};
    }
    // The phone: a device of its own on the LAN (its own namespace, veth into the sandbox's bridge).
    phoneNs = `${vps.name}-ph`;
    const sw = `${vps.name}-sw`;
    // From the host's own mount namespace, so the namespace's bind mount is visible to `ip netns exec`.
    const r = await run('sh', [
      '-euc',
      [
        `ip netns add ${phoneNs}`,
        `ip -n ${sw} link add ph type veth peer name eth0 netns ${phoneNs}`,
        `ip -n ${sw} link set ph master br0 up`,
        `ip -n ${phoneNs} link set lo up`,
        `ip -n ${phoneNs} addr add ${PHONE_IP}/24 dev eth0`,
        `ip -n ${phoneNs} link set eth0 up`,
      ].join('\n'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    phone = new Laptop(
      phoneNs,
      PHONE_IP,
      '2001:db8::30',
      join(vps.laptop.home, 'phone'),
      `${vps.name}p`,
      vps.laptop.keys,
    );
  });
  afterAll(async () => {
    aliceSession?.kill('SIGKILL');
    try {
      await phone?.wgDown();
      if (phoneNs) await run('sh', ['-c', `ip netns del ${phoneNs} 2>/dev/null; true`]);
    } finally {
      await vps?.stop();
    }
  });

  it('fresh-vps as root over public SSH: SSH ends up reachable through the tunnel only', async () => {
    const r = await portcullis(vps, ['apply', 'root@192.0.2.10', ...FRESH, '--connect-tunnel']);
    expect(r.code, r.stderr).toBe(0);
    expect(statusOf(JSON.parse(r.stdout), 'close-ports')).toBe('applied');
    expect(await vps.execOk('ufw status')).not.toMatch(/^2222\/tcp\s+ALLOW/m);
  });

  it('re-running fresh-vps through the tunnel, without --connect-tunnel: the run itself proves the tunnel, nothing changes', async () => {
    const r = await portcullis(vps, ['apply', TUNNEL, ...FRESH], SUDO);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.changed, r.stderr).toBe(0);
    expect(statusOf(out, 'verify-tunnel')).toBe('compliant');
    expect(statusOf(out, 'close-ports')).toBe('compliant');
    expect(r.stderr).not.toMatch(/--connect-tunnel/);
  });

  it("peers add phone through the tunnel: client config and QR with the server's public endpoint; the phone's handshake is seen", async () => {
    const r = await vps.laptop.runArgv(
      [process.execPath, BIN, 'peers', 'add', 'phone', TUNNEL, '--ssh-config', vps.sshConfigPath],
      {timeout: 120_000, ...SUDO},
    );
    expect(r.code, r.stderr).toBe(0);
    const path = join(stateDir(), 'vps-phone.conf');
    expect(r.stdout).toContain(`peer phone: client config ${path}`);
    // The QR code is drawn in the terminal with block characters.
    expect(r.stdout.split('\n').filter((l) => /[█▀▄]/.test(l)).length).toBeGreaterThan(10);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const conf = readFileSync(path, 'utf8');
    expect(conf).toMatch(/^Endpoint = 192\.0\.2\.10:51820$/m);
    expect(conf).not.toMatch(/Endpoint = 10\.66\./);

    await phone?.wgUp(conf);
    const pub = (
      await vps.execOk("awk '/portcullis-peer: phone/ {f=1} f && /PublicKey/ {print $3; exit}' /etc/wireguard/wg0.conf")
    ).trim();
    expect(pub).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    // The phone's first packet starts the handshake: a ping into the tunnel.
    await phone?.runArgv(['ping', '-c', '1', '-W', '2', '10.66.0.1']);
    await waitFor(
      "the phone's handshake on the server",
      async () => {
        const hs = await vps.execOk('wg show wg0 latest-handshakes');
        return hs.split('\n').some((l) => l.startsWith(`${pub}\t`) && Number(l.split('\t')[1]) > 0);
      },
      20_000,
    );
  });

  it("from another machine's state (nothing remembered there), the endpoint comes from the server's journal", async () => {
    const other = join(vps.laptop.home, 'other-state');
    const r = await portcullis(vps, ['peers', 'add', 'tablet', TUNNEL, '--ssh-config', vps.sshConfigPath, '--json'], {
      env: {...SUDO.env, XDG_STATE_HOME: other},
    });
    expect(r.code, r.stderr).toBe(0);
    const path = JSON.parse(r.stdout).clientConfig as string;
    expect(path).toBe(join(other, 'portcullis', 'wireguard', 'vps-tablet.conf'));
    expect(readFileSync(path, 'utf8')).toMatch(/^Endpoint = 192\.0\.2\.10:51820$/m);
  });

  it('team-onboarding through the tunnel: alice and bob log in with their own keys through the tunnel', async () => {
    writeFileSync(teamFile, team('active'));
    const r = await onboard();
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(statusOf(out, 'team')).toBe('applied');
    expect(r.stderr).toMatch(/proven: admin still logs in with a key \(sshd lets alice, bob in\)/);
    for (const name of ['alice', 'bob']) {
      const conf = readFileSync(join(stateDir(), `vps-${name}.conf`), 'utf8');
      expect(conf).toMatch(/^Endpoint = 192\.0\.2\.10:51820$/m);
      expect(out.clientConfigs).toContain(join(stateDir(), `vps-${name}.png`));
      const login = await memberLogin(name);
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout.trim()).toBe(name);
    }
    expect((await vps.execOk('sshd -T')).match(/^allowusers .*$/gm)).toEqual([
      'allowusers admin',
      'allowusers alice',
      'allowusers bob',
    ]);
  });

  it("bob marked as left can no longer log in, while alice's session through the tunnel stays up", async () => {
    aliceSession = vps.laptop.spawn('ssh', memberSsh('alice', 'while :; do echo tick; sleep 1; done'));
    let ticks = 0;
    aliceSession.process.stdout?.on('data', (b: Buffer) => {
      ticks += (b.toString().match(/tick/g) ?? []).length;
    });
    await waitFor("alice's session", async () => ticks > 0, 15_000);
    writeFileSync(teamFile, team('left'));
    const r = await onboard();
    expect(r.code, r.stderr).toBe(0);
    const login = await memberLogin('bob');
    expect(login.code).not.toBe(0);
    expect(login.stderr).toMatch(/Permission denied/);
    expect((await vps.execOk('sshd -T')).match(/^allowusers .*$/gm)).toEqual(['allowusers admin', 'allowusers alice']);
    const before = ticks;
    await waitFor('alice still ticking', async () => ticks >= before + 2, 10_000);
    expect(aliceSession.process.exitCode).toBeNull();
    const alice = await memberLogin('alice');
    expect(alice.code, alice.stderr).toBe(0);
  });

  it('re-running team-onboarding through the tunnel changes nothing', async () => {
    const r = await onboard();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed, r.stderr).toBe(0);
  });

  it('tunnel_ports=8080/tcp: the service answers through the tunnel, and the attacker finds no open TCP port', async () => {
    const r = await portcullis(vps, ['apply', TUNNEL, ...FRESH, '--set', 'tunnel_ports=8080/tcp'], SUDO);
    expect(r.code, r.stderr).toBe(0);
    expect(statusOf(JSON.parse(r.stdout), 'firewall')).toBe('applied');
    expect(await vps.execOk('ufw status')).toMatch(
      /^8080\/tcp on wg0\s+ALLOW\s+Anywhere\s+# portcullis: tunnel port$/m,
    );
    const http = await vps.laptop.runArgv(
      [
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--max-time',
        '5',
        `http://10.66.0.1:${INTERNAL_SERVICE.port}/`,
      ],
      {timeout: 20_000},
    );
    expect(http.stdout, http.stderr).toBe('200');
    const scan = await vps.attacker.runArgv(
      ['nmap', '-Pn', '-p-', '-T5', '--min-rate', '5000', '--max-retries', '2', '-oG', '-', vps.ip],
      {timeout: 240_000},
    );
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.stdout).toMatch(/Host: 192\.0\.2\.10/);
    expect(openPorts(scan.stdout), scan.stdout).toEqual([]);
  });

  it('re-running fresh-vps with the same values through the tunnel changes nothing', async () => {
    const r = await portcullis(vps, ['apply', TUNNEL, ...FRESH, '--set', 'tunnel_ports=8080/tcp'], SUDO);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed, r.stderr).toBe(0);
  });

  it('tunnel_ports=8080/tcp@phone: the phone reaches the service through the tunnel, the admin peer no longer does', async () => {
    const values = [...FRESH, '--set', 'tunnel_ports=8080/tcp@phone'];
    const r = await portcullis(vps, ['apply', TUNNEL, ...values], SUDO);
    expect(r.code, r.stderr).toBe(0);
    const ufw = await vps.execOk('ufw status');
    expect(ufw).toMatch(/^8080\/tcp on wg0\s+ALLOW\s+10\.66\.0\.3\s+# portcullis: tunnel port$/m);
    expect(ufw).not.toMatch(/^8080\/tcp on wg0\s+ALLOW\s+Anywhere/m);
    const curl = (host: Laptop) =>
      host.runArgv(
        [
          'curl',
          '-sS',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '--max-time',
          '4',
          `http://10.66.0.1:${INTERNAL_SERVICE.port}/`,
        ],
        {timeout: 20_000},
      );
    const fromPhone = await curl(phone as Laptop);
    expect(fromPhone.stdout, fromPhone.stderr).toBe('200');
    const fromLaptop = await curl(vps.laptop);
    expect(fromLaptop.stdout).not.toBe('200');
    expect(fromLaptop.stderr).toMatch(/timed out/i);
    const again = await portcullis(vps, ['apply', TUNNEL, ...values], SUDO);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).changed, again.stderr).toBe(0);
  });

  it('public SSH reopened by hand: a re-run through the tunnel closes it again, proven through the tunnel it came in by', async () => {
    await vps.execOk('ufw allow 2222/tcp');
    expect(await canLoginPublic()).toBe(true);
    const r = await portcullis(vps, ['apply', TUNNEL, ...FRESH, '--set', 'tunnel_ports=8080/tcp@phone'], SUDO);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(statusOf(out, 'verify-tunnel')).toBe('compliant');
    expect(statusOf(out, 'close-ports')).toBe('applied');
    expect(r.stderr).toMatch(/proven: admin logs in through the tunnel with public SSH closed/);
    expect(await vps.execOk('ufw status')).not.toMatch(/^2222\/tcp\s+ALLOW\s+Anywhere/m);
    expect(await canLoginPublic()).toBe(false);
  });

  it("status through the tunnel counts WireGuard's own UDP port as public, not EXPOSED", async () => {
    const r = await portcullis(vps, ['status', TUNNEL], SUDO);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/:51820\/udp\s+\S+\s+public$/m);
    expect(r.stdout).not.toMatch(/EXPOSED/);
    expect(r.stdout).toMatch(/:8080\/tcp\s+\S+\s+public, blocked by the firewall$/m);
  });
});
