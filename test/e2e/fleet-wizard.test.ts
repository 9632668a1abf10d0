import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {type Sandbox, start} from '../sandbox/index.js';
import {canLogin} from './helpers.js';
import {Terminal} from './tmux-terminal.js';

const INVENTORY = `[web]
vps1 ansible_host=192.0.2.10
vps2 ansible_host=192.0.2.11
vps3 ansible_host=192.0.2.12

[web:vars]
ansible_user=root
admin_user=admin
admin_sudo=nopasswd
ssh_port=2222
`;

/**
 * The fleet wizard as an operator meets it: the real binary in an 80x24 tmux pane, three fresh VPSes.
 * The plan is reviewed once (three hosts, one plan), the canary runs on a typed yes, its result is shown,
 * and the rollout waits for a second typed yes; declining it leaves the other hosts untouched.
 */
describe.skipIf(e2eSkipReason())('the fleet wizard in an 80x24 terminal', () => {
  let vps1: Sandbox;
  let vps2: Sandbox;
  let vps3: Sandbox;
  let inventory: string;
  let term: Terminal;

  beforeAll(async () => {
    vps1 = await start({noAdmin: true, log: () => {}});
    [vps2, vps3] = await Promise.all([
      start({noAdmin: true, log: () => {}, lan: {of: vps1, ip: '192.0.2.11', ip6: '2001:db8::11'}}),
      start({noAdmin: true, log: () => {}, lan: {of: vps1, ip: '192.0.2.12', ip6: '2001:db8::12'}}),
    ]);
    inventory = join(vps1.laptop.home, 'hosts.ini');
    writeFileSync(inventory, INVENTORY);
  });
  afterEach(async () => {
    await term?.kill();
  });
  afterAll(async () => {
    await vps3?.stop();
    await vps2?.stop();
    await vps1?.stop();
  });

  const args = (more: string[]) => [
    'apply',
    '--inventory',
    inventory,
    '--ssh-config',
    vps1.sshConfigPath,
    '--until',
    'ssh-hardening',
    '--serial',
    '1,2',
    ...more,
  ];

  it('reviews one plan for three hosts, runs the canary on a typed yes, shows it, and stops when the rollout is declined', async () => {
    term = new Terminal(vps1);
    await term.start(args([]));
    const review = await term.waitFor(/Type vps1 \+ Enter to run the canary/, 90_000);
    expect(review).toMatch(/^fleet review · fresh-vps on 3 host\(s\) · 1 distinct plan\(s\) · /m);
    expect(review).toMatch(/^canary vps1, then batches of 2 · forks 5$/m);
    expect(review).toMatch(/^▸ vps1, vps2, vps3 \(3 hosts, one plan\)$/m);
    expect(review.trimEnd().split('\n').length).toBeLessThanOrEqual(24);

    // A reflex Enter runs nothing.
    await term.keys('Enter');
    await term.waitFor(/✘ type vps1 exactly, or Esc/);
    await term.type('vps1');
    await term.keys('Enter');

    const asked = await term.waitFor(/Type 2 \+ Enter to roll out to 2 host\(s\)/, 120_000);
    expect(asked).toMatch(/The canary \(batch 1 of 2\) ended:/);
    expect(asked).toMatch(/vps1 applied: \d+ change\(s\), [0-9.]+ s; 22\/tcp 8080\/tcp -> 2222\/tcp 8080\/tcp/);
    expect(asked).toMatch(/Next: 2 host\(s\) in 1 batch\(es\) of 2, 5 at a time\./);
    // The canary is hardened while the others wait for the answer.
    expect(await canLogin(vps1, 'admin', 2222)).toBe(true);
    expect(await canLogin(vps2, 'root', 22)).toBe(true);

    await term.keys('Escape');
    const end = await term.waitFor(/\[exit \d+\]/, 30_000);
    expect(end).toMatch(/\[exit 1\]/);
    const all = await term.joined();
    expect(all).toMatch(/^vps1 +✔ SSH hardening: \d+ change\(s\) in [0-9.]+ s, proven$/m);
    expect(all).toMatch(/^vps2 +not-started +0 +- +-$/m);
    expect(all).toMatch(/^stopped after batch 1: the operator stopped after batch 1$/m);
    expect(await vps2.execOk('id -u admin >/dev/null 2>&1 && echo yes || echo no')).toBe('no');
    expect(await vps3.execOk('ss -Htln "sport = :2222" | wc -l')).toBe('0');
  });

  it('run again: the canary is already compliant, the typed count rolls out, every host converges; exit 0', async () => {
    term = new Terminal(vps1);
    await term.start(args([]));
    await term.waitFor(/Type vps1 \+ Enter to run the canary/, 90_000);
    const review = await term.screen();
    // vps1 is hardened now, the others not: two distinct plans.
    expect(review).toMatch(/2 distinct plan\(s\)/);
    await term.type('vps1');
    await term.keys('Enter');
    const asked = await term.waitFor(/Type 2 \+ Enter to roll out/, 120_000);
    expect(asked).toMatch(/vps1 unchanged: 0 change\(s\)/);
    await term.type('2');
    await term.keys('Enter');
    const end = await term.waitFor(/\[exit \d+\]/, 180_000);
    expect(end).toMatch(/\[exit 0\]/);
    const all = await term.joined();
    expect(all).toMatch(/^vps2 +applied +\d+ +[0-9.]+ s +22\/tcp 8080\/tcp -> 2222\/tcp 8080\/tcp$/m);
    expect(all).toMatch(/^vps3 +applied +\d+ /m);
    for (const v of [vps1, vps2, vps3]) {
      expect(await canLogin(v, 'admin', 2222)).toBe(true);
      expect(await canLogin(v, 'root', 22)).toBe(false);
    }
  });
});
