import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {ADMIN_PASSWORD, type Sandbox, start} from '../sandbox/index.js';
import {canLogin, portcullis} from './helpers.js';
import {platformSuite} from './platform-suite.js';

// Issue 17: the fresh-vps runbook and its fault rows on the `openrc` sandbox variant (see platform-suite.ts).
platformSuite('openrc');

/**
 * The nftables backend under OpenRC, for real: the openrc variant with Debian's nftables installed and its stock
 * ruleset loaded (so the firewall step takes nftables, as on Alpine), then a power cut. Our table must come back at
 * boot through our own OpenRC service (Debian's OpenRC has no `local` service for /etc/local.d), after the
 * distribution's nftables script (sysinit, `flush ruleset`).
 */
describe.skipIf(e2eSkipReason())(
  'openrc variant: the nftables firewall loads at boot through our OpenRC service',
  () => {
    let vps: Sandbox;
    // SSH stays on 22 (the sandbox knows a booted box by sshd answering there).
    const VALUES = ['--set', 'admin_user=admin'];
    beforeAll(async () => {
      vps = await start({variant: 'openrc', log: () => {}});
      await vps.execOk(
        'env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nftables && nft -f /etc/nftables.conf && ! command -v ufw',
      );
    });
    afterAll(async () => {
      await vps?.stop();
    });

    it('the firewall step takes nftables, adds portcullis-firewall to the default runlevel, and the table is back after a power cut', async () => {
      const r = await portcullis(vps, ['apply', 'root@192.0.2.10', '--yes', '--until', 'firewall', ...VALUES]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/through the nftables firewall/);
      expect(await vps.execOk('rc-update show default')).toMatch(/^\s*portcullis-firewall \|/m);
      expect((await vps.exec('ls /etc/local.d')).stdout).not.toMatch(/portcullis/);
      const blocked = async () => (await vps.attacker.runArgv(['nc', '-z', '-w', '3', vps.ip, '8080'])).code !== 0;
      expect(await blocked()).toBe(true);
      await vps.powerCycle();
      // Booted: sysinit's nftables script flushed the ruleset and loaded the stock one; ours came after it.
      expect(await vps.execOk('nft list table inet portcullis')).toMatch(/policy drop/);
      expect(await vps.execOk('rc-service portcullis-firewall status 2>&1')).toMatch(/status: started/);
      expect((await vps.exec('rc-status --crashed')).stdout.trim()).toBe('');
      expect(await blocked()).toBe(true);
      expect(await canLogin(vps, 'admin', 22)).toBe(true);
      // A second run changes nothing (the service and its runlevel link are what the step expects).
      const again = await portcullis(
        vps,
        ['apply', 'admin@192.0.2.10', '--yes', '--until', 'firewall', ...VALUES, '--json'],
        {env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD}},
      );
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).changed, again.stderr).toBe(0);
    });
  },
);
