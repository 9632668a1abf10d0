import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {type Sandbox, start} from '../sandbox/index.js';
import {canLogin, portcullis} from './helpers.js';

const PASSWORD = 'rollback-e2e-pw';
/** A provider's fresh VPS (no admin account), the recipe with its defaults but for the admin it makes. */
const APPLY = [
  'apply',
  'root@192.0.2.10',
  '--recipe',
  'fresh-vps',
  '--yes',
  '--connect-tunnel',
  '--json',
  '--set',
  'admin_user=admin',
  '--set',
  'admin_sudo=password',
  '--set',
  'ssh_port=2222',
];
const SUDO = {env: {PORTCULLIS_SUDO_PASSWORD: PASSWORD}};
/** What the run changes and its rollback must give back byte for byte (packages it installed stay). */
const STATE = [
  '/etc/ssh/sshd_config',
  '/etc/ssh/sshd_config.d',
  '/etc/passwd',
  '/etc/group',
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/sudoers.d',
  '/root/.ssh',
];

/**
 * The "Undo" line of a fresh-vps run, taken literally: `rollback admin@10.66.0.1:2222`, through the tunnel,
 * after public SSH was closed. It must never cut the connection it runs on before another way in is proven.
 */
describe.skipIf(e2eSkipReason())('rollback through the tunnel on the sandbox VPS', () => {
  let vps: Sandbox;
  let before = '';
  const state = () => vps.execOk(`find ${STATE.join(' ')} -xdev -type f -print0 | sort -z | xargs -0 sha256sum`);

  beforeAll(async () => {
    vps = await start({noAdmin: true, log: () => {}});
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('a full fresh-vps run leaves SSH reachable through the tunnel only', async () => {
    before = await state();
    expect((await vps.exec('id admin')).code).not.toBe(0);
    const r = await portcullis(vps, [...APPLY, '--set', `admin_password=${PASSWORD}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).steps.find((s: {id: string}) => s.id === 'close-ports')?.status).toBe('applied');
    expect(await canLogin(vps, 'admin', 2222)).toBe(false);
    expect(await canLogin(vps, 'root', 22)).toBe(false);
  });

  it('rollback through the tunnel reopens public SSH, proves it, then removes the tunnel and the rest', async () => {
    const r = await portcullis(vps, ['rollback', 'admin@10.66.0.1:2222', '--json'], SUDO);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rolledBack.map((s: {step: string}) => s.step)).toEqual([
      'close-ports',
      'verify-tunnel',
      'wireguard',
      'updates',
      'sysctl',
      'fail2ban',
      'firewall',
      'ssh-hardening',
      'admin-user',
    ]);
    // It left the tunnel only after a fresh login on the public address, and the account it made only
    // after root's own way in had come back.
    expect(r.stderr).toMatch(/ssh -p 2222 admin@192\.0\.2\.10 lets a fresh login in/);
    expect(r.stderr).toMatch(/ssh root@192\.0\.2\.10 lets a fresh login in/);
    expect(r.stderr.indexOf('admin@192.0.2.10 lets')).toBeLessThan(r.stderr.indexOf('rolling back wireguard'));
    expect(out.via).toBe('root@192.0.2.10:22');
  });

  it('the server is as it was before the run, and reachable on its public address', async () => {
    expect(await state()).toBe(before);
    expect((await vps.exec('id admin')).code).not.toBe(0);
    expect((await vps.exec('ip link show wg0')).code).not.toBe(0);
    expect((await vps.exec('pgrep -x wireguard-go')).code).not.toBe(0);
    expect(await vps.execOk('ufw status')).toMatch(/^Status: inactive$/m);
    expect(await vps.execOk('systemctl is-active fail2ban || true')).not.toBe('active');
    expect(await canLogin(vps, 'root', 22)).toBe(true);
    const reach = await vps.attacker.runArgv(['nc', '-z', '-w', '3', vps.ip, '22']);
    expect(reach.code).toBe(0);
  });

  it('nothing is left to roll back, and saying so changes nothing', async () => {
    const r = await portcullis(vps, ['rollback', 'root@192.0.2.10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed).toBe(0);
    expect(await state()).toBe(before);
  });
});
