import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {ADMIN_PASSWORD, ATTACKER_IP, LAPTOP_IP, type Sandbox, type SandboxChild, start} from '../sandbox/index.js';
import {canLogin, hashTree, portcullis, waitFor} from './helpers.js';

const VPS = 'root@192.0.2.10';
/** Everything the lockdown may touch: restored byte for byte by a rollback. */
const STATE = ['/etc/ufw', '/etc/default/ufw', '/etc/ssh'];
const ITEMS = [
  'host.txt',
  'listening.txt',
  'connections.txt',
  'processes.txt',
  'sessions.txt',
  'logins.txt',
  'accounts.txt',
  'authorized-keys.txt',
  'sudoers.txt',
  'crontabs.txt',
  'systemd-recent.txt',
  'firewall.txt',
  'auth-failures.txt',
];
const SSH_AS_ATTACKER = [
  'ssh',
  '-F',
  '/dev/null',
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'PubkeyAuthentication=no',
  '-o',
  'PreferredAuthentications=password',
  '-o',
  'NumberOfPasswordPrompts=1',
  '-o',
  'ConnectTimeout=5',
];

/**
 * One sandbox: a box hardened earlier (ufw on, SSH and the dashboard open to everyone) with an attacker
 * logged in by password, a planted cron job and unit, and failed logins in the journal. The lockdown
 * must save all of that first, then leave only the operator's way in; a rollback must put it all back.
 */
describe.skipIf(e2eSkipReason())('incident-lockdown on the sandbox VPS', () => {
  let vps: Sandbox;
  let before: string;
  let intruder: SandboxChild;
  const reaches = async (host: string, port: number) =>
    (await vps.attacker.runArgv(['nc', ...(host.includes(':') ? ['-6'] : []), '-z', '-w', '3', host, String(port)]))
      .code === 0;

  beforeAll(async () => {
    vps = await start({log: () => {}});
    await vps.execOk(
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -q ufw >/dev/null && ufw allow 22/tcp && ufw allow 8080/tcp && ufw --force enable',
    );
    await vps.writeFile('/etc/cron.d/beacon', '* * * * * root /usr/local/bin/beacon\n');
    await vps.writeFile('/etc/systemd/system/beacon.service', '[Service]\nExecStart=/usr/local/bin/beacon\n');
    const wrong = await vps.attacker.runArgv(
      ['sshpass', '-p', 'not-the-password', ...SSH_AS_ATTACKER, 'admin@192.0.2.10', 'true'],
      {
        timeout: 30_000,
      },
    );
    expect(wrong.code).not.toBe(0);
    intruder = vps.attacker.spawn('sshpass', [
      '-p',
      ADMIN_PASSWORD,
      ...SSH_AS_ATTACKER,
      '-tt',
      'admin@192.0.2.10',
      'sleep 900',
    ]);
    await waitFor(
      "the intruder's session",
      async () =>
        (await vps.execOk(`ss -Htn state established "( sport = :22 )" | grep -c ${ATTACKER_IP} || true`)) !== '0',
      20_000,
    );
    before = await hashTree(vps, ...STATE);
  });
  afterAll(async () => {
    intruder?.kill('SIGKILL');
    await vps?.stop();
  });

  it('before: the attacker reaches SSH and the dashboard', async () => {
    expect(await reaches(vps.ip, 22)).toBe(true);
    expect(await reaches(vps.ip, 8080)).toBe(true);
  });

  it('refuses to ban the operator, and changes nothing', async () => {
    const r = await portcullis(vps, [
      'apply',
      VPS,
      '--recipe',
      'incident-lockdown',
      '--yes',
      '--set',
      `ban=${LAPTOP_IP}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `ban ${LAPTOP_IP.replaceAll('.', '\\.')} is inside ${LAPTOP_IP.replaceAll('.', '\\.')} \\(your own address\\)`,
      ),
    );
    expect(await hashTree(vps, ...STATE)).toBe(before);
    expect(await reaches(vps.ip, 22)).toBe(true);
  });

  let evidence = '';
  it('captures the evidence first, then leaves only the operator a way in', async () => {
    const r = await portcullis(vps, [
      'apply',
      VPS,
      '--recipe',
      'incident-lockdown',
      '--yes',
      '--json',
      '--set',
      'ban=192.0.2.77',
      '--set',
      'terminate_sessions=true',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps.map((s: {id: string; status: string}) => `${s.id}:${s.status}`)).toEqual([
      'preflight:compliant',
      'evidence:compliant',
      'lockdown:applied',
    ]);
    evidence = (out.clientConfigs as string[]).find((p) => p.includes('/portcullis/evidence/')) ?? '';
    expect(evidence).toMatch(/\/evidence\/vps-\d{8}T\d{6}Z$/);
    expect(evidence.startsWith(vps.laptop.env.XDG_STATE_HOME)).toBe(true);

    // The lockdown itself.
    expect(await reaches(vps.ip, 22)).toBe(false);
    expect(await reaches(vps.ip, 8080)).toBe(false);
    expect(await reaches(vps.ip6, 22)).toBe(false);
    expect(await reaches(vps.ip6, 8080)).toBe(false);
    expect(await canLogin(vps, 'root')).toBe(true);
    const ended = await Promise.race([intruder.result, new Promise((r) => setTimeout(r, 15_000, 'still running'))]);
    expect(ended).not.toBe('still running');
    expect(await vps.execOk(`ss -Htn state established | grep -c ${ATTACKER_IP} || true`)).toBe('0');
    expect(await vps.execOk('ufw show added')).toContain("ufw deny from 192.0.2.77 comment 'portcullis: lockdown ban'");
    expect(await vps.execOk('sshd -T | grep -i "^passwordauthentication"')).toBe('passwordauthentication no');
  });

  it('the evidence bundle holds every item, hashed, private to the operator, from before the change', async () => {
    expect(statSync(evidence).mode & 0o777).toBe(0o700);
    const files = readdirSync(evidence).sort();
    expect(files).toEqual([...ITEMS, 'MANIFEST.txt', 'SHA256SUMS'].sort());
    for (const f of files) expect(statSync(join(evidence, f)).mode & 0o777, f).toBe(0o600);
    const read = (f: string) => readFileSync(join(evidence, f), 'utf8');
    for (const f of ITEMS) expect(read(f).length, f).toBeGreaterThan(0);
    const check = await vps.laptop.run(`cd '${evidence}' && sha256sum -c SHA256SUMS`);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.trim().split('\n')).toHaveLength(ITEMS.length + 1);

    expect(read('listening.txt')).toMatch(/0\.0\.0\.0:8080 .*python3/);
    expect(read('listening.txt')).toMatch(/:22 .*sshd/);
    expect(read('connections.txt')).toContain(`${ATTACKER_IP}:`);
    expect(read('sessions.txt')).toMatch(new RegExp(`admin .*pts/\\d+.*${ATTACKER_IP.replaceAll('.', '\\.')}`));
    expect(read('logins.txt')).toMatch(new RegExp(`admin .*${ATTACKER_IP.replaceAll('.', '\\.')}`));
    const fp = (await vps.laptop.run(`ssh-keygen -lf '${vps.laptop.keys.pubKeyPath}'`)).stdout.split(' ')[1] ?? '';
    expect(fp).toMatch(/^SHA256:/);
    expect(read('authorized-keys.txt')).toContain('### root: /root/.ssh/authorized_keys');
    expect(read('authorized-keys.txt')).toContain(fp);
    expect(read('sudoers.txt')).toMatch(/^%sudo\s+ALL=\(ALL:ALL\) ALL$/m);
    expect(read('crontabs.txt')).toContain('### /etc/cron.d/beacon');
    expect(read('crontabs.txt')).toContain('/usr/local/bin/beacon');
    expect(read('systemd-recent.txt')).toContain('/etc/systemd/system/beacon.service');
    expect(read('firewall.txt')).toMatch(/8080\/tcp\s+ALLOW IN\s+Anywhere/);
    expect(read('auth-failures.txt')).toMatch(
      new RegExp(`Failed password for admin from ${ATTACKER_IP.replaceAll('.', '\\.')}`),
    );
    expect(read('accounts.txt')).not.toMatch(/\$[0-9a-z]+\$/);
    expect(read('host.txt')).toContain(`capturing session (SSH_CONNECTION): ${LAPTOP_IP} `);
    expect(read('MANIFEST.txt')).toContain('target: root@192.0.2.10:22');
  });

  it('a second run changes nothing (a new evidence bundle only)', async () => {
    const r = await portcullis(vps, [
      'apply',
      VPS,
      '--recipe',
      'incident-lockdown',
      '--yes',
      '--json',
      '--set',
      'ban=192.0.2.77',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.changed).toBe(0);
    expect((out.clientConfigs as string[]).find((p) => p.includes('/evidence/'))).not.toBe(evidence);
  });

  it('rollback restores the firewall and sshd byte for byte, and the attacker reaches SSH again', async () => {
    const r = await portcullis(vps, ['rollback', VPS, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).rolledBack.map((s: {step: string}) => s.step)).toEqual(['lockdown']);
    expect(await hashTree(vps, ...STATE)).toBe(before);
    expect(await reaches(vps.ip, 22)).toBe(true);
    expect(await reaches(vps.ip, 8080)).toBe(true);
    expect(await vps.execOk('sshd -T | grep -i "^passwordauthentication"')).toBe('passwordauthentication yes');
    expect(await vps.execOk('ufw status')).toContain('Status: active');
  });

  it('with fail2ban running, bans go through its sshd jail and a rollback lifts them', async () => {
    await vps.execOk(
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -q fail2ban python3-systemd >/dev/null && printf "[DEFAULT]\\nbanaction = ufw\\n[sshd]\\nbackend = systemd\\n" > /etc/fail2ban/jail.d/zz-sandbox.local && systemctl restart fail2ban',
    );
    await waitFor('the sshd jail', async () => (await vps.exec('fail2ban-client status sshd')).code === 0, 30_000);
    const state = await hashTree(vps, ...STATE);
    const r = await portcullis(vps, [
      'apply',
      VPS,
      '--recipe',
      'incident-lockdown',
      '--yes',
      '--json',
      '--set',
      'ban=192.0.2.88',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(await vps.execOk('fail2ban-client status sshd')).toMatch(/Banned IP list:.*192\.0\.2\.88/);
    expect(await vps.execOk('ufw show added')).not.toContain("192.0.2.88 comment 'portcullis: lockdown ban'");
    expect(await canLogin(vps, 'root')).toBe(true);
    const rb = await portcullis(vps, ['rollback', VPS, '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await vps.execOk('fail2ban-client status sshd')).not.toContain('192.0.2.88');
    expect(await hashTree(vps, ...STATE)).toBe(state);
    expect(await reaches(vps.ip, 22)).toBe(true);
  });
});
