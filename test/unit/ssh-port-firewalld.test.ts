import {describe, expect, it} from 'vitest';
import {compileAction} from '../../src/engine/compile.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {planRunbook} from '../../src/engine/runbook.js';
import {parseFacts} from '../../src/platform/parse-facts.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {STEPS} from '../../steps/index.js';
import {runValues} from '../helpers/run-values.js';

const values = {admin_user: 'admin', ssh_port: 2222, admin_sudo: 'nopasswd'};

// Found on the sandbox's firewalld variant (test/e2e/platform-firewalld.test.ts, the firewall step's fault rows): the
// new SSH port was opened in firewalld's runtime only, so the firewall step's rollback (`firewall-cmd
// --reload`) closed it with sshd listening there alone: a lockout. A reboot would have done the same.
describe('ssh-hardening moving the port under firewalld', () => {
  it('opens the port at once (runtime), and persists it in the zone only after the last proof, before the disarm', async () => {
    const steps = await planRunbook(undefined, profileFacts('rhel-9'), STEPS, runValues(values));
    const plan = steps.find((s) => s.id === 'ssh-hardening')?.plan;
    if (!plan) throw new Error('no ssh-hardening step');
    const lines = plan.actions.map((a) =>
      compileAction(a, {runId: 'R', stepId: 'ssh-hardening', style: 'review'}).join('\n'),
    );
    const runtime = lines.findIndex((l) => l.includes('firewall-cmd --add-port=2222/tcp'));
    const permanent = lines.findIndex((l) => l.includes('firewall-cmd --permanent --zone=public --add-port=2222/tcp'));
    const lastProof = plan.actions.map((a) => a.kind).lastIndexOf('proof');
    const disarm = plan.actions.findIndex((a) => a.kind === 'timer.disarm');
    expect(runtime).toBeGreaterThanOrEqual(0);
    expect(runtime).toBeLessThan(lastProof);
    expect(permanent).toBeGreaterThan(lastProof);
    expect(permanent).toBeLessThan(disarm);
    // The zone file is before-imaged, so a rollback restores the permanent configuration byte for byte.
    expect(plan.actions[permanent]).toMatchObject({touches: ['/etc/firewalld/zones/public.xml']});
    expect(compileRollback(plan.onRollback)).toContain('firewall-cmd --remove-port=2222/tcp');
  });

  it("reads firewalld's default zone from the detected --list-all, and only a plain name", () => {
    const facts = (zoneLine: string) =>
      parseFacts(['os_id\tdebian', 'init\tsystemd', 'firewalld\trunning', `fwd_line\t${zoneLine}`].join('\n')).firewall
        .firewalldZone;
    expect(facts('public (active)')).toBe('public');
    expect(facts('public')).toBe('public');
    expect(facts('pub;lic')).toBeUndefined();
  });
});
