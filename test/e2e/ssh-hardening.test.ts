import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {ADMIN_PASSWORD, ROOT_PASSWORD, type Sandbox, start} from '../sandbox/index.js';
import {canLogin, HARDEN, hashTree, passwordLogin, portcullis, spawnUntilProving, waitFor} from './helpers.js';

/**
 * One sandbox, scenarios in an order where each failure must leave the box exactly as it found it,
 * so the next scenario starts from a pristine VPS again: refusal, blocked proof, crash in the window,
 * then the real hardening and its idempotent re-run.
 */
describe.skipIf(e2eSkipReason())('ssh hardening on the sandbox VPS', () => {
  let vps: Sandbox;
  let pristine: string;

  beforeAll(async () => {
    vps = await start({log: () => {}});
    pristine = await hashTree(vps, '/etc/ssh');
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('plan over SSH changes nothing on the target (files and packages)', async () => {
    const before = `${await hashTree(vps, '/etc', '/root', '/home')}\n${await vps.execOk('dpkg -l | sha256sum')}`;
    const r = await portcullis(vps, [
      'plan',
      'root@192.0.2.10',
      '--set',
      'admin_user=admin',
      '--set',
      'ssh_port=2222',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.platform).toBe('debian-12');
    expect(plan.steps.find((s: {id: string}) => s.id === 'ssh-hardening').status).toBe('changes');
    expect(plan.exposures.some((e: {port: number; flag: boolean}) => e.port === 8080 && e.flag)).toBe(true);
    const after = `${await hashTree(vps, '/etc', '/root', '/home')}\n${await vps.execOk('dpkg -l | sha256sum')}`;
    expect(after).toBe(before);
    expect(await vps.exec('test -e /var/lib/portcullis')).toMatchObject({code: 1});
  });

  it('refuses when sshd is already broken, changing nothing', async () => {
    await vps.writeFile('/etc/ssh/sshd_config.d/10-broken.conf', 'ThisIsNotAnOption yes\n');
    const before = await hashTree(vps, '/etc/ssh');
    const r = await portcullis(vps, HARDEN);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sshd's configuration is already broken/);
    expect(await hashTree(vps, '/etc/ssh')).toBe(before);
    await vps.execOk('rm /etc/ssh/sshd_config.d/10-broken.conf');
  });

  it('rolls back at once when the new port is unreachable from the operator (provider firewall)', async () => {
    await vps.laptop.run('iptables -A OUTPUT -p tcp --dport 2222 -j DROP');
    try {
      const r = await portcullis(vps, HARDEN);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/port 2222.*(unreachable|timed out)/);
      expect(r.stderr).toMatch(/restored/);
      expect(await canLogin(vps, 'root', 22)).toBe(true);
      expect(await hashTree(vps, '/etc/ssh')).toBe(pristine);
      expect(await vps.execOk('ss -Htln "sport = :2222" | wc -l')).toBe('0');
    } finally {
      await vps.laptop.run('iptables -D OUTPUT -p tcp --dport 2222 -j DROP');
    }
  });

  it('the dead-man timer restores the target when the wizard is killed inside the window', async () => {
    // The proof hangs on a dropped port, so the wizard is inside the confirmation window when killed.
    await vps.laptop.run('iptables -A OUTPUT -p tcp --dport 2222 -j DROP');
    const window = 20;
    try {
      const child = await spawnUntilProving(
        vps,
        [...HARDEN, '--confirm-timeout', String(window)],
        'the wizard to start proving the new port',
        /proving[^\n]*port 2222/,
      );
      const killedAt = Date.now();
      child.kill('SIGKILL');
      await child.result;
      expect(await vps.execOk('cat /etc/ssh/sshd_config.d/00-portcullis.conf | grep -c "Port 2222"')).toBe('1');
      await waitFor(
        'the timer to restore /etc/ssh',
        async () => (await hashTree(vps, '/etc/ssh')) === pristine,
        (window + 10) * 1000,
        200,
      );
      const restoredAfter = (Date.now() - killedAt) / 1000;
      expect(restoredAfter).toBeLessThan(window + 5);
      await waitFor('root to get in on 22 again', () => canLogin(vps, 'root', 22), 10_000);
      expect(await vps.execOk('tail -n 1 /var/lib/portcullis/journal.jsonl')).toMatch(
        /"kind":"step.rolled-back".*"by":"timer"/,
      );
    } finally {
      await vps.laptop.run('iptables -D OUTPUT -p tcp --dport 2222 -j DROP');
    }
  });

  it('hardens: admin on 2222 with a key; passwords, root and port 22 refused, despite 50-cloud-init.conf', async () => {
    const r = await portcullis(vps, [...HARDEN, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.changed).toBeGreaterThan(0);
    expect(await canLogin(vps, 'admin', 2222)).toBe(true);
    expect(await canLogin(vps, 'root', 2222)).toBe(false);
    expect((await passwordLogin(vps, 'admin', ADMIN_PASSWORD, 2222)).code).not.toBe(0);
    expect((await passwordLogin(vps, 'root', ROOT_PASSWORD, 2222)).code).not.toBe(0);
    expect(await vps.execOk('cat /etc/ssh/sshd_config.d/50-cloud-init.conf')).toMatch(/PasswordAuthentication yes/);
    const t = await vps.execOk('sshd -T');
    for (const l of [
      'passwordauthentication no',
      'permitrootlogin no',
      'port 2222',
      'maxauthtries 3',
      'allowusers admin',
      'kbdinteractiveauthentication no',
    ]) {
      expect(t.split('\n')).toContain(l);
    }
    expect(t.split('\n')).not.toContain('port 22');
    expect(await vps.execOk('ss -Htln "sport = :22" | wc -l')).toBe('0');
    expect(await vps.execOk('systemctl list-units --all --plain --no-legend "portcullis-*" | wc -l')).toBe('0');
  });

  it('a second apply, as the admin through sudo with a password, changes nothing', async () => {
    const r = await portcullis(vps, [...HARDEN.with(1, 'admin@192.0.2.10:2222'), '--json'], {
      env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD},
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed).toBe(0);
  });

  it('status --json shows the run: admin-user and ssh-hardening done, no armed timer', async () => {
    const r = await portcullis(vps, ['status', 'admin@192.0.2.10:2222', '--json'], {
      env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD},
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({version: 1, command: 'status', platform: 'debian-12', armedTimers: []});
    for (const step of ['admin-user', 'ssh-hardening'])
      expect(out.checkpoints).toContainEqual(expect.objectContaining({step, state: 'done'}));
  });

  it('rollback restores /etc/ssh byte for byte and the old way in', async () => {
    const r = await portcullis(vps, ['rollback', 'admin@192.0.2.10:2222', '--json'], {
      env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD},
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).rolledBack.map((s: {step: string}) => s.step)).toContain('ssh-hardening');
    expect(await hashTree(vps, '/etc/ssh')).toBe(pristine);
    await waitFor('root to get in on 22 again', () => canLogin(vps, 'root', 22), 10_000);
  });
});
