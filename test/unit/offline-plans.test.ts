import {describe, expect, it} from 'vitest';
import {PLATFORMS, type PlatformId} from '../../src/core/facts.js';
import {compileAction} from '../../src/engine/compile.js';
import {planRunbook} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {STEPS} from '../../steps/index.js';
import {runValues} from '../helpers/run-values.js';

const values = {admin_user: 'admin', ssh_port: 2222, admin_sudo: 'nopasswd'};

async function commandsFor(p: PlatformId) {
  const steps = await planRunbook(undefined, profileFacts(p), STEPS, runValues(values));
  const ssh = steps.find((s) => s.id === 'ssh-hardening');
  return {
    steps,
    ssh,
    text: (ssh?.plan.actions ?? [])
      .flatMap((a) => compileAction(a, {runId: 'R', stepId: 'ssh-hardening', style: 'review'}))
      .join('\n'),
  };
}

describe('offline plans', () => {
  it.each(PLATFORMS)('%s plans without a target', async (p) => {
    const {steps} = await commandsFor(p);
    expect(steps.map((s) => s.id)).toEqual(STEPS.map((s) => s.id));
  });

  it('ubuntu 24.04 restarts ssh.socket after daemon-reload, or the port never moves', async () => {
    const {text} = await commandsFor('ubuntu-24.04');
    expect(text).toMatch(/systemctl daemon-reload[\s\S]*systemctl restart ssh\.socket/);
  });

  it('rhel-9 labels the port for SELinux, opens it in firewalld and runs sshd -t itself', async () => {
    const {text} = await commandsFor('rhel-9');
    expect(text).toContain('semanage port -a -t ssh_port_t');
    expect(text).toContain('firewall-cmd --add-port=2222/tcp');
    expect(text).toContain('sshd -t');
    expect(text).toContain('systemctl reload sshd');
  });

  it('macos uses a 000- drop-in and refuses a port move it cannot make', async () => {
    const {ssh, steps} = await commandsFor('macos');
    expect(ssh?.plan.findings.some((f) => f.level === 'error' && /launchd/.test(f.message))).toBe(true);
    const noMove = await planRunbook(undefined, profileFacts('macos'), STEPS, runValues({admin_user: 'admin'}));
    const w = noMove.find((s) => s.id === 'ssh-hardening')?.plan.actions.find((a) => a.kind === 'file.write');
    expect(w && 'path' in w ? w.path : '').toBe('/etc/ssh/sshd_config.d/000-portcullis.conf');
    expect(steps.length).toBeGreaterThan(0);
  });

  it('debian-12 proves the new port as the admin before closing 22, all under the timer', async () => {
    const {ssh} = await commandsFor('debian-12');
    const kinds = (ssh?.plan.actions ?? []).map((a) => a.kind);
    expect(kinds[0]).toBe('timer.arm');
    expect(kinds[kinds.length - 1]).toBe('timer.disarm');
    const firstProof = kinds.indexOf('proof');
    const secondWrite = kinds.lastIndexOf('file.write');
    expect(firstProof).toBeGreaterThan(0);
    expect(secondWrite).toBeGreaterThan(firstProof);
  });
});
