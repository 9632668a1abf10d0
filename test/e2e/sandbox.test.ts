import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa, execaSync} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import * as sandbox from '../sandbox/index.js';

const {VPS_IP, VPS_IP6, ADMIN_PASSWORD, ROOT_PASSWORD, INTERNAL_SERVICE} = sandbox;

/** Everything of an instance visible on the host: must be empty after stop(). */
function traces(name: string): string[] {
  const found: string[] = [];
  const netns = execaSync('ip', ['netns', 'list']).stdout;
  for (const line of netns.split('\n')) if (line.startsWith(name)) found.push(`netns ${line}`);
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name)) found.push(`process ${pid}`);
      if (readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(name)) found.push(`mount seen by ${pid}`);
    } catch {
      // Exited meanwhile.
    }
  }
  if (existsSync(`/var/tmp/portcullis-sandbox/${name}`)) found.push('instance dir');
  if (existsSync('/var/run/wireguard')) {
    for (const f of readdirSync('/var/run/wireguard')) if (f.startsWith(name)) found.push(`wg socket ${f}`);
  }
  return found;
}

/** Password ssh from a sandbox host (sshpass; BatchMode off, keys off). */
function passwordSsh(host: sandbox.NetHost, user: string, password: string, cmd: string) {
  return host.runArgv(
    [
      'sshpass',
      '-p',
      password,
      'ssh',
      '-o',
      'BatchMode=no',
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-o',
      'ConnectTimeout=5',
      `${user}@${VPS_IP}`,
      cmd,
    ],
    {timeout: 30_000},
  );
}

describe.skipIf(e2eSkipReason())('sandbox: a fresh VPS', () => {
  let vps: sandbox.Sandbox;

  beforeAll(async () => {
    vps = await sandbox.start();
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('lets root in over SSH from the laptop with the operator key (IPv4 and IPv6)', async () => {
    const v4 = await vps.laptop.ssh(`root@${VPS_IP}`, 'id -un; echo $SSH_CLIENT');
    expect(v4.code, v4.stderr).toBe(0);
    expect(v4.stdout).toMatch(/^root\n192\.0\.2\.20 /);
    const v6 = await vps.laptop.ssh(`root@${VPS_IP6}`, 'id -un');
    expect(v6.code, v6.stderr).toBe(0);
    expect(v6.stdout).toBe('root');
  });

  it('accepts password logins (the cloud-init trap is real) and admin has no key', async () => {
    const admin = await passwordSsh(
      vps.laptop,
      'admin',
      ADMIN_PASSWORD,
      `echo ${ADMIN_PASSWORD} | sudo -S -p '' id -u`,
    );
    expect(admin.code, admin.stderr).toBe(0);
    expect(admin.stdout).toBe('0');
    const root = await passwordSsh(vps.attacker, 'root', ROOT_PASSWORD, 'id -un');
    expect(root.code, root.stderr).toBe(0);
    expect(root.stdout).toBe('root');
    const adminByKey = await vps.laptop.ssh(`admin@${VPS_IP}`, 'true');
    expect(adminByKey.code).toBe(255);
  });

  it('exposes 22 and the internal 8080 service to the attacker', async () => {
    const scan = await vps.attacker.run(`nmap -Pn -n -p 22,${INTERNAL_SERVICE.port} ${VPS_IP}`, {timeout: 60_000});
    expect(scan.stdout).toMatch(/^22\/tcp\s+open/m);
    expect(scan.stdout).toMatch(new RegExp(`^${INTERNAL_SERVICE.port}/tcp\\s+open`, 'm'));
    const page = await vps.attacker.run(`curl -s --max-time 5 http://${VPS_IP}:${INTERNAL_SERVICE.port}/`);
    expect(page.stdout).toContain(INTERNAL_SERVICE.body);
    const v6 = await vps.attacker.run(`nc -z -w 3 ${VPS_IP6} 22`);
    expect(v6.code).toBe(0);
  });

  it('runs commands out of band and looks like a fresh cloud VPS', async () => {
    const r = await vps.exec('hostname; id -un; systemctl is-active ssh metrics-dashboard');
    expect(r).toMatchObject({code: 0, stdout: 'vps\nroot\nactive\nactive'});
    const sshd = await vps.execOk('sshd -T');
    expect(sshd).toMatch(/^permitrootlogin yes$/m);
    expect(sshd).toMatch(/^passwordauthentication yes$/m);
    expect(await vps.readFile(sandbox.VPS_TRAPS.cloudInitDropIn)).toContain('PasswordAuthentication yes');
    // Nothing a hardening run would add is there yet; no syslog means no /var/log/auth.log.
    const absent = await vps.exec(
      'for p in ufw fail2ban wireguard-tools rsyslog; do dpkg -s $p >/dev/null 2>&1 && echo $p; done; ls /var/log/auth.log 2>/dev/null; true',
    );
    expect(absent.stdout).toBe('');
    expect(await vps.readFile('/etc/apt/sources.list')).toBe('deb [trusted=yes] file:/opt/offline-repo ./');
    expect(await vps.execOk('ls /etc/apt/sources.list.d | wc -l')).toBe('0');
  });

  it('has no route beyond the sandbox LAN', async () => {
    expect(await vps.execOk('ip -4 route; ip -6 route | grep -v ^fe80')).toBe(
      `192.0.2.0/24 dev eth0 proto kernel scope link src ${VPS_IP} \n2001:db8::/64 dev eth0 proto kernel metric 256 pref medium`,
    );
    const out = await vps.laptop.run('ip route get 1.1.1.1');
    expect(out.code).not.toBe(0);
  });

  it('runs tools on the laptop with a sandboxed HOME, and lets tests SIGKILL them', async () => {
    const child = vps.laptop.spawn('sh', ['-c', 'echo "$HOME $XDG_STATE_HOME"; ip -br -4 addr show eth0; sleep 60']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(child.kill('SIGKILL')).toBe(true);
    const r = await child.result;
    expect(r.code).toBe(137);
    expect(r.stdout).toContain(`${vps.laptop.env.HOME} ${vps.laptop.env.XDG_STATE_HOME}`);
    expect(r.stdout).toContain(sandbox.LAPTOP_IP);
  });

  it('writes an ssh_config usable as `ssh -F` and a 0600 key', async () => {
    expect(readFileSync(vps.sshConfigPath, 'utf8')).toMatch(/StrictHostKeyChecking accept-new/);
    const mode = (await execa('stat', ['-c', '%a', vps.keyPath])).stdout;
    expect(mode).toBe('600');
    const r = await vps.laptop.run(`ssh -F ${vps.sshConfigPath} root@${VPS_IP} true`);
    expect(r.code, r.stderr).toBe(0);
  });

  it('stop() leaves no namespace, mount, process or file behind', async () => {
    const name = vps.name;
    expect(traces(name).length).toBeGreaterThan(0);
    await vps.stop();
    expect(traces(name)).toEqual([]);
  });
});

describe.skipIf(e2eSkipReason())('sandbox: second instance from cache, offline apt, WireGuard, reboot', () => {
  let vps: sandbox.Sandbox;

  beforeAll(async () => {
    vps = await sandbox.start();
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('boots from the cached image in under 10 s', () => {
    const t = vps.timings;
    expect(t?.imageMs).toBeLessThan(2000);
    expect(t?.totalMs).toBeLessThan(10_000);
    expect(t?.systemState).toBe('running');
  });

  it('installs the hardening packages from the offline repository', async () => {
    const r = await vps.exec('apt-get install -y ufw fail2ban python3-systemd wireguard-tools wireguard-go nftables', {
      timeout: 240_000,
    });
    expect(r.code, r.stderr).toBe(0);
    // Debian 12's stock sshd jail looks for /var/log/auth.log, which does not exist.
    await vps.exec('systemctl restart fail2ban; sleep 1');
    const journal = await vps.exec('journalctl -u fail2ban --no-pager');
    expect(journal.stdout).toContain('Have not found any log file for sshd jail');
  });

  it('brings a WireGuard tunnel up between the VPS (wireguard-go) and the laptop (wgUp)', async () => {
    const serverKey = (await run('wg genkey')).trim();
    const clientKey = (await run('wg genkey')).trim();
    const serverPub = (await run('wg pubkey', serverKey)).trim();
    const clientPub = (await run('wg pubkey', clientKey)).trim();
    await vps.writeFile(
      '/etc/wireguard/wg0.conf',
      `[Interface]\nAddress = 10.66.0.1/24\nListenPort = 51820\nPrivateKey = ${serverKey}\n\n[Peer]\nPublicKey = ${clientPub}\nAllowedIPs = 10.66.0.2/32\n`,
      '0600',
    );
    await vps.execOk('systemctl start wg-quick@wg0');
    const iface = await vps.laptop.wgUp(
      `[Interface]\nAddress = 10.66.0.2/24\nPrivateKey = ${clientKey}\nDNS = 10.66.0.1\n\n[Peer]\nPublicKey = ${serverPub}\nEndpoint = ${VPS_IP}:51820\nAllowedIPs = 10.66.0.0/24\n`,
    );
    expect(iface).toMatch(/^pc[0-9a-f]{6}wg\d$/);
    const r = await vps.laptop.ssh('root@10.66.0.1', 'echo $SSH_CLIENT');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^10\.66\.0\.2 /);
    await vps.laptop.wgDown(iface);
    expect(existsSync(`/var/run/wireguard/${iface}.sock`)).toBe(false);
  });

  it('enforces ufw rules inside the VPS, and they survive a reboot', async () => {
    await vps.execOk('ufw allow 22/tcp && ufw --force enable');
    expect((await vps.attacker.run(`nc -z -w 3 ${VPS_IP} ${INTERNAL_SERVICE.port}`)).code).not.toBe(0);
    await vps.reboot();
    expect(await vps.execOk('ufw status | head -1')).toBe('Status: active');
    expect((await vps.attacker.run(`nc -z -w 3 ${VPS_IP} ${INTERNAL_SERVICE.port}`)).code).not.toBe(0);
    const r = await vps.laptop.ssh(`root@${VPS_IP}`, 'true');
    expect(r.code, r.stderr).toBe(0);
  });

  it('stop() leaves nothing behind after packages, tunnels and a reboot', async () => {
    const name = vps.name;
    await vps.stop();
    expect(traces(name)).toEqual([]);
  });
});

describe.skipIf(e2eSkipReason())('sandbox: crash of the owning process', () => {
  it('leftovers of a SIGKILLed test process are reaped by the next run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-owner-'));
    const script = join(dir, 'owner.mts');
    const index = new URL('../sandbox/index.ts', import.meta.url).pathname;
    writeFileSync(
      script,
      `import {start} from ${JSON.stringify(index)};\nconst vps = await start({log: () => {}});\nconsole.log(vps.name);\nsetInterval(() => {}, 1000);\n`,
    );
    const owner = execa('node', ['--import', 'tsx', script], {reject: false, lines: false});
    const name = await new Promise<string>((resolve, reject) => {
      owner.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()));
      void owner.then((r) => reject(new Error(`owner exited early: ${r.stderr}`)));
    });
    owner.kill('SIGKILL');
    await owner;
    rmSync(dir, {recursive: true, force: true});
    expect(traces(name).length).toBeGreaterThan(0);
    // A concurrent run's start() may reap it first; either way it must be gone.
    sandbox.reapGarbage();
    expect(traces(name)).toEqual([]);
  });
});

async function run(cmd: string, input?: string): Promise<string> {
  return (await execa('sh', ['-c', cmd], {input})).stdout;
}
