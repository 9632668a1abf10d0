import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {ADMIN_PASSWORD, type Sandbox, start} from '../sandbox/index.js';
import {canLogin, HARDEN, portcullis, spawnUntilProving, waitFor} from './helpers.js';

describe.skipIf(e2eSkipReason())('one run per server (the lock on the target)', () => {
  let vps: Sandbox;
  beforeAll(async () => {
    vps = await start({log: () => {}});
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('a second wizard refuses while one runs; a killed run leaves a stale lock that is reported, then cleared by its timer', async () => {
    // The first run hangs in its proof (new port dropped on the laptop), inside the dead-man window.
    await vps.laptop.run('iptables -A OUTPUT -p tcp --dport 2222 -j DROP');
    const window = 25;
    try {
      const first = await spawnUntilProving(
        vps,
        [...HARDEN, '--confirm-timeout', String(window)],
        'the first run to reach its proof',
      );

      const second = await portcullis(vps, ['apply', 'root@192.0.2.10', '--yes', '--until', 'preflight']);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/another portcullis run \(\S+, started .*\) is working on this server/);

      first.kill('SIGKILL');
      await first.result;
      // Root logins are off until the timer restores sshd: the admin (proven by the killed run) gets in.
      const sudo = {env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD}};
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
