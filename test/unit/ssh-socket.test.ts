import {describe, expect, it} from 'vitest';
import type {Facts} from '../../src/core/facts.js';
import {compileAction} from '../../src/engine/compile.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {planRunbook} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {STEPS} from '../../steps/index.js';
import {runValues} from '../helpers/run-values.js';

const values = {admin_user: 'admin', ssh_port: 2222, admin_sudo: 'nopasswd'};
const DROPIN = '/etc/systemd/system/ssh.socket.d/00-portcullis.conf';

/** Debian 12 with ssh.socket enabled and ssh.service disabled: socket activation without Ubuntu's generator. */
function debianSocket(): Facts {
  const f = profileFacts('debian-12');
  return {...f, ssh: {...f.ssh, socketActivated: true, socketGenerator: false}};
}

async function sshPlan(facts: Facts) {
  const steps = await planRunbook(undefined, facts, STEPS, runValues(values));
  const ssh = steps.find((s) => s.id === 'ssh-hardening');
  if (!ssh) throw new Error('no ssh-hardening step');
  const text = ssh.plan.actions
    .flatMap((a) => compileAction(a, {runId: 'R', stepId: 'ssh-hardening', style: 'review'}))
    .join('\n');
  return {plan: ssh.plan, text};
}

// Found on the sandbox's ssh-socket variant (test/e2e/platform-ssh-socket.test.ts): without these, the port move
// never reached the listener, and a rollback left the socket on the half-moved ports.
describe('ssh-hardening under socket activation', () => {
  it('without a generator, moves the port in a socket drop-in: both ports while proving, then the new one alone', async () => {
    const {plan} = await sshPlan(debianSocket());
    const writes = plan.actions.filter(
      (a): a is Extract<typeof a, {kind: 'file.write'}> => a.kind === 'file.write' && a.path === DROPIN,
    );
    expect(writes.map((w) => w.content.split('\n').filter((l) => l.startsWith('ListenStream')))).toEqual([
      ['ListenStream=', 'ListenStream=22', 'ListenStream=2222'],
      ['ListenStream=', 'ListenStream=2222'],
    ]);
  });

  it('stops the running sshd before restarting the socket (it holds the old ports), and reloads nothing after', async () => {
    const {text} = await sshPlan(debianSocket());
    expect(text).toMatch(/systemctl daemon-reload\nsystemctl stop ssh\.service\nsystemctl restart ssh\.socket/);
    expect(text).not.toMatch(/systemctl reload ssh/);
  });

  it('the rollback recreates /run/sshd (gone with the stopped service) before sshd -t, then moves the socket back', async () => {
    const {plan} = await sshPlan(debianSocket());
    expect(compileRollback(plan.onRollback)).toEqual([
      'mkdir -p /run/sshd && sshd -t && systemctl daemon-reload && systemctl stop ssh.service && systemctl restart ssh.socket',
    ]);
  });

  it("with Ubuntu's generator, writes no socket drop-in: the generator follows sshd_config's Port", async () => {
    const {plan, text} = await sshPlan(profileFacts('ubuntu-24.04'));
    expect(plan.actions.some((a) => a.kind === 'file.write' && a.path === DROPIN)).toBe(false);
    expect(text).toMatch(/systemctl restart ssh\.socket/);
  });

  it('without socket activation, reloads ssh.service as before and writes no socket drop-in', async () => {
    const {plan, text} = await sshPlan(profileFacts('debian-12'));
    expect(plan.actions.some((a) => a.kind === 'file.write' && a.path === DROPIN)).toBe(false);
    expect(text).toMatch(/systemctl reload ssh/);
    expect(text).not.toMatch(/ssh\.socket/);
  });
});
