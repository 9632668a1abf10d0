import {describe, expect, it} from 'vitest';
import type {PlatformId} from '../../src/core/facts.js';
import type {Action, PlannedStep} from '../../src/core/types.js';
import {compileAction} from '../../src/engine/compile.js';
import {planRunbook} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {stepsFor} from '../../steps/index.js';
import {runSettings, runValues} from '../helpers/run-values.js';

/** The part of fresh-vps that moves SSH and closes it to the tunnel, dry-run on a fresh host of the profile. */
async function dryRun(platform: PlatformId, values: Record<string, unknown>) {
  const ids = ['admin-user', 'ssh-hardening', 'firewall', 'wireguard', 'verify-tunnel', 'close-ports'];
  const v = {admin_user: 'admin', admin_sudo: 'nopasswd', connect_tunnel: true, ...values};
  const steps = await planRunbook(undefined, profileFacts(platform), stepsFor(ids), runValues(v), {
    settings: runSettings(v),
  });
  const close = steps.find((s) => s.id === 'close-ports') as PlannedStep;
  const text = close.plan.actions
    .flatMap((a) => compileAction(a, {runId: 'R', stepId: close.id, style: 'review'}))
    .join('\n');
  const proof = close.plan.actions.find((a) => a.kind === 'proof') as Extract<Action, {kind: 'proof'}>;
  return {close, text, proof};
}

describe('a dry run plans each step on the host the earlier steps leave', () => {
  it('close-ports follows the SSH port ssh-hardening moves earlier in the same dry run', async () => {
    for (const [platform, tunnelRule, publicGone] of [
      ['ubuntu-24.04', 'ufw allow in on wg0 to any port 2222 proto tcp', 'ufw delete allow 2222/tcp'],
      ['rhel-9', 'port port="2222" protocol="tcp" accept', 'firewall-cmd --zone=public --remove-port=2222/tcp'],
    ] as const) {
      const {close, text, proof} = await dryRun(platform, {ssh_port: 2222});
      expect(
        close.plan.findings.filter((f) => f.level === 'error'),
        platform,
      ).toEqual([]);
      expect(text, platform).toContain(tunnelRule);
      expect(text, platform).toContain(publicGone);
      expect(text, platform).not.toMatch(/\b22\/tcp|port 22 |port="22"/);
      // Proven on the new port, at the server's address in the wg0.conf the wireguard step plans.
      expect(proof.route, platform).toEqual({host: '10.66.0.1', user: 'admin', port: 2222});
    }
  });

  it('without a move it plans for port 22', async () => {
    const {text, proof} = await dryRun('ubuntu-24.04', {});
    expect(text).toContain('ufw allow in on wg0 to any port 22 proto tcp');
    expect(text).not.toContain('2222');
    expect(proof.route.port).toBe(22);
  });
});
