import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {ADMIN_PASSWORD, ATTACKER_IP, type Sandbox, start} from '../sandbox/index.js';
import {canLogin, hashTree, portcullis, spawnPortcullis, waitFor} from './helpers.js';

const VALUES = ['--set', 'admin_user=admin', '--set', 'ssh_port=2222'];
const FIRST = ['apply', 'root@192.0.2.10', '--yes', '--until', 'fail2ban', ...VALUES];
/** After hardening root may not log in: later runs come in as the admin, through sudo with a password. */
const AS_ADMIN = ['admin@192.0.2.10:2222', '--yes', ...VALUES];
const SUDO = {env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD}};
const UFW_STATE = ['/etc/ufw', '/etc/default/ufw'];

/** A second listener on [::]:8080 (v6 only), so the IPv6 policy is tested on a port that really answers. */
const V6_SERVICE = `import socket
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 8080))
s.listen()
while True:
    c, _ = s.accept()
    c.close()
`;

/** Open TCP ports in nmap's grepable output. */
function openPorts(grepable: string): string[] {
  return [...grepable.matchAll(/(\d+)\/open\/tcp/g)].map((m) => m[1] ?? '');
}

/**
 * One sandbox, in an order where each scenario builds on the last: the first apply (fresh VPS with a port
 * move), what the attacker sees, fail2ban, persistence, idempotence, then a rollback to before the
 * firewall so the killed-wizard scenario starts from "ufw installed but off", the state it must get back.
 */
describe.skipIf(e2eSkipReason())('host firewall and fail2ban on the sandbox VPS', () => {
  let vps: Sandbox;
  const attackerReaches = async (host: string, port: number) =>
    (await vps.attacker.runArgv(['nc', ...(host.includes(':') ? ['-6'] : []), '-z', '-w', '3', host, String(port)]))
      .code === 0;

  beforeAll(async () => {
    vps = await start({log: () => {}});
    await vps.writeFile('/root/v6-service.py', V6_SERVICE);
    await vps.execOk('systemd-run --quiet --unit=v6-dashboard python3 /root/v6-service.py');
    await waitFor(
      'the IPv6 listener',
      async () => (await vps.execOk('ss -Htln "sport = :8080" | wc -l')) === '2',
      10_000,
    );
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('before: the internal service on 8080 answers the attacker over IPv4 and IPv6', async () => {
    expect(await attackerReaches(vps.ip, 8080)).toBe(true);
    expect(await attackerReaches(vps.ip6, 8080)).toBe(true);
  });

  it('applies the firewall and fail2ban on a fresh VPS, flagging 8080 before and showing it blocked after', async () => {
    const r = await portcullis(vps, FIRST);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/python3 listens on 0\.0\.0\.0:8080\/tcp, reachable from anywhere/);
    expect(r.stderr).toMatch(/0\.0\.0\.0:8080\/tcp\s+python3\s+EXPOSED\s+blocked/);
    expect(r.stderr).toMatch(/\[::\]:8080\/tcp\s+python3\s+EXPOSED\s+blocked/);
    expect(r.stderr).toMatch(/0\.0\.0\.0:2222\/tcp\s+sshd\s+-\s+open/);
    const status = await vps.execOk('ufw status verbose');
    expect(status).toMatch(/Status: active/);
    expect(status).toMatch(/Default: deny \(incoming\), allow \(outgoing\)/);
    expect(status).toMatch(/2222\/tcp\s+ALLOW IN\s+Anywhere\s+# portcullis: ssh/);
    expect(status).toMatch(/2222\/tcp \(v6\)\s+ALLOW IN\s+Anywhere \(v6\)/);
    expect(status).not.toMatch(/^22\/tcp/m);
    expect(await vps.execOk('fail2ban-client -t 2>&1')).toMatch(/OK: configuration test is successful/);
  });

  it('from the attacker only the SSH port answers: full TCP scan over IPv4, and IPv6 denies the same', async () => {
    // --min-rate: against a default-deny host nmap's own pacing backs off to minutes; the LAN loses nothing.
    const v4 = await vps.attacker.runArgv(
      ['nmap', '-Pn', '-p-', '-T5', '--min-rate', '5000', '--max-retries', '2', '-oG', '-', vps.ip],
      {timeout: 240_000},
    );
    expect(v4.code, v4.stderr).toBe(0);
    expect(openPorts(v4.stdout)).toEqual(['2222']);
    const v6 = await vps.attacker.runArgv(['nmap', '-6', '-Pn', '-p', '22,80,443,2222,8080', '-oG', '-', vps.ip6], {
      timeout: 60_000,
    });
    expect(openPorts(v6.stdout)).toEqual(['2222']);
    expect(await attackerReaches(vps.ip, 8080)).toBe(false);
    expect(await attackerReaches(vps.ip6, 8080)).toBe(false);
    expect(await attackerReaches(vps.ip6, 2222)).toBe(true);
  });

  it('bans an attacker after failed logins with a password and with a key it does not own; the operator still gets in', async () => {
    const ssh = [
      '-p',
      '2222',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'ConnectTimeout=5',
    ];
    for (let i = 0; i < 2; i++) {
      const pw = await vps.attacker.runArgv(
        [
          'sshpass',
          '-p',
          'guess',
          'ssh',
          ...ssh,
          '-o',
          'PubkeyAuthentication=no',
          '-o',
          'PreferredAuthentications=password,keyboard-interactive',
          `admin@${vps.ip}`,
          'true',
        ],
        {timeout: 20_000},
      );
      expect(pw.code).not.toBe(0);
    }
    await vps.attacker.run(
      'rm -f "$HOME/stranger" "$HOME/stranger.pub"; ssh-keygen -q -t ed25519 -N "" -f "$HOME/stranger"',
    );
    const banned = async () => (await vps.exec('fail2ban-client status sshd')).stdout.includes(ATTACKER_IP);
    for (let i = 0; i < 4 && !(await banned()); i++) {
      await vps.attacker.run(
        `ssh ${ssh.join(' ')} -i "$HOME/stranger" -o IdentitiesOnly=yes -o BatchMode=yes admin@${vps.ip} true`,
        {timeout: 20_000},
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
    await waitFor('fail2ban to ban the attacker', banned, 15_000);
    expect(await vps.execOk('ufw status')).toMatch(
      new RegExp(`REJECT\\s+(IN\\s+)?${ATTACKER_IP.replace(/\./g, '\\.')}`),
    );
    expect(await attackerReaches(vps.ip, 2222)).toBe(false);
    expect(await canLogin(vps, 'admin', 2222)).toBe(true);
  });

  it('stays up after `systemctl restart ufw`: the rules and the ban are persisted', async () => {
    await vps.execOk('systemctl restart ufw');
    expect(await vps.execOk('ufw status')).toMatch(/Status: active/);
    expect(await attackerReaches(vps.ip, 8080)).toBe(false);
    expect(await vps.execOk('ufw status')).toContain(ATTACKER_IP);
    expect(await canLogin(vps, 'admin', 2222)).toBe(true);
  });

  it('a second apply changes nothing, and its exposures show 8080 blocked, not exposed', async () => {
    const r = await portcullis(vps, ['apply', ...AS_ADMIN, '--until', 'fail2ban', '--json'], SUDO);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.changed).toBe(0);
    const after = out.exposures.after.filter((e: {port: number}) => e.port === 8080);
    expect(after.length).toBe(2);
    for (const e of after) expect(e).toMatchObject({public: true, blocked: true, exposed: false, flag: false});
  });

  it('rollback of fail2ban and the firewall leaves ufw installed but off, as a host without a firewall', async () => {
    const r = await portcullis(vps, ['rollback', 'admin@192.0.2.10:2222', '--to', 'ssh-hardening'], SUDO);
    expect(r.code, r.stderr).toBe(0);
    expect(await vps.execOk('ufw status')).toMatch(/Status: inactive/);
    expect((await vps.exec('systemctl is-active fail2ban')).stdout.trim()).not.toBe('active');
    expect(await vps.exec('test -e /etc/fail2ban/jail.d/zz-portcullis.local')).toMatchObject({code: 1});
    expect(await attackerReaches(vps.ip, 8080)).toBe(true);
    expect(await canLogin(vps, 'admin', 2222)).toBe(true);
  });

  it("the plan's ufw commands pass `ufw --dry-run` and change nothing", async () => {
    const r = await portcullis(vps, ['plan', ...AS_ADMIN.filter((a) => a !== '--yes'), '--json'], SUDO);
    expect(r.code, r.stderr).toBe(0);
    const step = JSON.parse(r.stdout).steps.find((s: {id: string}) => s.id === 'firewall');
    const cmds: string[] = step.actions
      .flatMap((a: {commands: string[]}) => a.commands)
      .filter((c: string) => c.startsWith('ufw '));
    expect(cmds).toContain("ufw allow 2222/tcp comment 'portcullis: ssh'");
    expect(cmds).toContain('ufw --force enable');
    const before = await hashTree(vps, ...UFW_STATE);
    // ufw 0.36.2 writes ENABLED=yes to ufw.conf even under --dry-run enable, so enable is left out.
    for (const c of cmds.filter((c) => c !== 'ufw --force enable')) {
      const d = await vps.exec(c.replace(/^ufw /, 'ufw --dry-run '));
      expect(d.code, `${c}: ${d.stderr}`).toBe(0);
    }
    expect(await hashTree(vps, ...UFW_STATE)).toBe(before);
  });

  it('killed inside the confirmation window: the timer turns ufw off again with /etc/ufw byte-identical', async () => {
    const pristine = await hashTree(vps, ...UFW_STATE);
    const window = 20;
    // The laptop drops its own new connections to 2222 once the run's own (multiplexed) connection is up,
    // so the proof after enabling ufw hangs and the wizard dies inside the window.
    const block = 'iptables -I OUTPUT -p tcp --dport 2222 --syn -j DROP';
    let blocked = false;
    try {
      const child = spawnPortcullis(
        vps,
        ['apply', ...AS_ADMIN, '--until', 'firewall', '--confirm-timeout', String(window)],
        SUDO,
      );
      let stderr = '';
      child.process.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
      });
      await waitFor('the run to connect', async () => /^found /m.test(stderr), 60_000, 50);
      await vps.laptop.run(block);
      blocked = true;
      await waitFor('the wizard to start proving', async () => /proving/.test(stderr), 60_000, 100);
      const killedAt = Date.now();
      child.kill('SIGKILL');
      await child.result;
      expect(await vps.execOk('ufw status')).toMatch(/Status: active/);
      await waitFor(
        'the timer to restore the firewall',
        async () => (await hashTree(vps, ...UFW_STATE)) === pristine && /inactive/.test(await vps.execOk('ufw status')),
        (window + 15) * 1000,
        200,
      );
      expect((Date.now() - killedAt) / 1000).toBeLessThan(window + 5);
      expect(await attackerReaches(vps.ip, 8080)).toBe(true);
      expect(await vps.execOk('tail -n 1 /var/lib/portcullis/journal.jsonl')).toMatch(
        /"kind":"step.rolled-back".*"step":"firewall".*"by":"timer"/,
      );
    } finally {
      if (blocked) await vps.laptop.run(block.replace('-I', '-D'));
    }
    await waitFor('the operator to get back in', () => canLogin(vps, 'admin', 2222), 10_000);
  });
});
