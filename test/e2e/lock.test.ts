import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {ADMIN_PASSWORD, type Sandbox, start} from '../sandbox/index.js';
import {canLogin, HARDEN, portcullis, spawnPortcullis, waitFor} from './helpers.js';

describe.skipIf(e2eSkipReason())('one run per server (the lock on the target)', () => {
  let vps: Sandbox;
  beforeAll(async () => {
    vps = await start({log: () => {}});
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('a second wizard refuses while one runs; a killed run leaves a stale lock that is reported, then cleared by its timer', async () => {
    // The first run reaches its proof (new port dropped on the laptop), inside the dead-man window.
    await vps.laptop.run('iptables -A OUTPUT -p tcp --dport 2222 -j DROP');
    const window = 40;
    try {
      // Held at a known point: ssh-hardening's proof on 2222 (admin-user's proof on 22 comes first and says "proving"
      // too; a second run started then raced ssh-hardening turning root's login off).
      const first = spawnPortcullis(vps, [...HARDEN, '--confirm-timeout', String(window)]);
      let stderr = '';
      first.process.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
      });
      await waitFor(
        "the first run to reach ssh-hardening's proof",
        async () => /proving admin logs in .*port 2222/.test(stderr),
        90_000,
        100,
      );
      // Frozen there (its proof would give up after its connect timeout, roll back and release the lock): the run
      // still holds the lock (its hold session lives on), until the dead-man window ends on the server.
      first.kill('SIGSTOP');

      // Inside the window the new sshd settings are live (root's login off), so the second run comes the admin's way
      // (created and proven by the first run, key and sudo, on 22): it connects whatever the first run's timing.
      const sudo = {env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD}};
      expect(await vps.execOk('sshd -T | grep -E "^permitrootlogin "')).toBe('permitrootlogin no');
      const second = await portcullis(vps, ['apply', 'admin@192.0.2.10', '--yes', '--until', 'preflight'], sudo);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/another portcullis run \(\S+, started .*\) is working on this server/);

      first.kill('SIGKILL');
      await first.result;
      // Root logins are off until the timer restores sshd: the admin (proven by the killed run) gets in.
      const stale = await portcullis(vps, ['apply', 'admin@192.0.2.10', '--yes', '--until', 'preflight'], sudo);
      expect(stale.code).toBe(1);
      expect(stale.stderr).toMatch(
        /stopped inside the confirmation window of ssh-hardening: its dead-man timer on the server restores it at \d\d:\d\d:\d\d\. Wait until then; afterwards run again with --break-lock/,
      );

      // Breaking the lock is allowed, but the armed rollback of the killed run still blocks any change.
      const broken = await portcullis(
        vps,
        ['apply', 'admin@192.0.2.10', '--yes', '--until', 'preflight', '--break-lock'],
        sudo,
      );
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/dead-man rollback from an interrupted run is still armed/);
    } finally {
      await vps.laptop.run('iptables -D OUTPUT -p tcp --dport 2222 -j DROP');
    }
    await waitFor('the timer to roll back', () => canLogin(vps, 'root', 22), (window + 10) * 1000, 500);
    await waitFor(
      'the timer unit to finish',
      async () =>
        (await vps.execOk(
          'systemctl list-units --all --plain --no-legend "portcullis-*.timer" | grep -c " active " || true',
        )) === '0',
      10_000,
    );
    const after = await portcullis(vps, ['apply', 'root@192.0.2.10', '--yes', '--until', 'preflight', '--json']);
    expect(after.code, after.stderr).toBe(0);
    expect(await vps.exec('test -e /var/lib/portcullis/lock')).toMatchObject({code: 1});
  });
});
