import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {type Sandbox, start} from '../sandbox/index.js';
import {canLogin, portcullis, spawnPortcullis, waitFor} from './helpers.js';

/**
 * Three provider-fresh VPSes on one LAN with one laptop, and two inventory hosts nobody answers for.
 * Lean recipe: up to ssh-hardening (admin user, then SSH on 2222 under the dead-man timer), the step
 * whose proof a provider firewall can break. Batches (--serial 1,3): [vps1] the canary,
 * [vps2, down1, vps3], [down2]: the second batch mixes a rollback, an unreachable host and a success,
 * so it is --max-fail-percentage 0 (not "the whole batch failed") that keeps the third from starting.
 */
const INVENTORY = `# the fleet, as Ansible would have it
[canary]
vps1 ansible_host=192.0.2.10

[web]
vps2 ansible_host=192.0.2.11
down1 ansible_host=192.0.2.99
vps3 ansible_host=192.0.2.12
down2 ansible_host=192.0.2.98

[fleet:children]
canary
web

[fleet:vars]
ansible_user=root
admin_user=admin
admin_sudo=nopasswd
ssh_port=2222
`;

/** The runbook up to ssh-hardening as a recipe of its own: what `check` compares the fleet with. */
const LEAN = `name: lean
description: up to ssh-hardening, as the fleet runs apply
steps:
  - preflight
  - admin-user
  - ssh-hardening
values: {}
`;

const RUN = ['--yes', '--until', 'ssh-hardening', '--serial', '1,3', '--max-fail-percentage', '0', '--json'];
const FAULT = 'OUTPUT -d 192.0.2.11 -p tcp --dport 2222 -j DROP';

interface HostJson {
  host: string;
  target?: string;
  batch: number;
  result: string;
  changed: number;
  reason?: string;
  steps: {id: string; status: string}[];
  exposure?: {before: string[]; after?: string[]};
}

const byHost = (hosts: HostJson[]) => Object.fromEntries(hosts.map((h) => [h.host, h]));

describe.skipIf(e2eSkipReason())('fleet: one runbook over an inventory, canary first, rolling batches', () => {
  let vps1: Sandbox;
  let vps2: Sandbox;
  let vps3: Sandbox;
  let inventory: string;
  let lean: string;

  beforeAll(async () => {
    vps1 = await start({noAdmin: true, log: () => {}});
    [vps2, vps3] = await Promise.all([
      start({noAdmin: true, log: () => {}, lan: {of: vps1, ip: '192.0.2.11', ip6: '2001:db8::11'}}),
      start({noAdmin: true, log: () => {}, lan: {of: vps1, ip: '192.0.2.12', ip6: '2001:db8::12'}}),
    ]);
    inventory = join(vps1.laptop.home, 'hosts.ini');
    writeFileSync(inventory, INVENTORY);
    lean = join(vps1.laptop.home, 'lean.yaml');
    writeFileSync(lean, LEAN);
  });
  afterAll(async () => {
    await vps3?.stop();
    await vps2?.stop();
    await vps1?.stop();
  });

  it('the canary is applied and proven; the provider firewall rolls vps2 back and no further batch starts; down1 is unreachable; exit 1', async () => {
    expect((await vps1.laptop.run(`iptables -A ${FAULT}`)).code).toBe(0);
    let r: Awaited<ReturnType<typeof portcullis>>;
    try {
      r = await portcullis(vps1, ['apply', '--inventory', inventory, ...RUN]);
    } finally {
      await vps1.laptop.run(`iptables -D ${FAULT}`);
    }
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.status).toBe('failed');
    expect(doc.stopped).toMatchObject({afterBatch: 2, by: 'failures'});
    expect(doc.stopped.reason).toMatch(/2 of 3 host\(s\) failed, more than --max-fail-percentage 0/);
    const hosts = byHost(doc.hosts);
    expect(Object.keys(hosts)).toEqual(['vps1', 'vps2', 'down1', 'vps3', 'down2']);
    expect(hosts.vps1).toMatchObject({batch: 1, result: 'applied', target: 'root@192.0.2.10:22'});
    expect(hosts.vps1?.steps.find((s) => s.id === 'ssh-hardening')?.status).toBe('applied');
    expect(hosts.vps1?.exposure).toEqual({before: ['22/tcp', '8080/tcp'], after: ['2222/tcp', '8080/tcp']});
    expect(hosts.vps2).toMatchObject({batch: 2, result: 'rolled-back'});
    expect(hosts.vps2?.reason).toMatch(/port 2222.*(unreachable|timed out)/);
    // Restored by the run, or (the connection lost under load) by the host's own timer.
    expect(hosts.vps2?.reason).toMatch(/restored|rolled back/);
    expect(hosts.vps2?.exposure).toEqual({before: ['22/tcp', '8080/tcp'], after: ['22/tcp', '8080/tcp']});
    expect(hosts.down1).toMatchObject({batch: 2, result: 'unreachable'});
    expect(hosts.down1?.reason).toMatch(/root@192\.0\.2\.99.*admin@192\.0\.2\.99:2222/);
    // A failing neighbour never holds a host of the same batch.
    expect(hosts.vps3).toMatchObject({batch: 2, result: 'applied', target: 'root@192.0.2.12:22'});
    expect(hosts.down2).toMatchObject({batch: 3, result: 'not-started', changed: 0});

    // Headless output: one line per host per step, then the summary table.
    expect(r.stderr).toMatch(/^batch 1\/3 \(canary\): vps1$/m);
    expect(r.stderr).toMatch(/^vps1 +✔ SSH hardening: \d+ change\(s\) in [0-9.]+ s, proven$/m);
    expect(r.stderr).toMatch(/^vps2 +↺ SSH hardening rolled back: /m);
    expect(r.stderr).toMatch(/^down1 +✘ unreachable: /m);
    expect(r.stderr).toMatch(/^vps3 +✔ SSH hardening: \d+ change\(s\)/m);
    expect(r.stderr).not.toMatch(/^down2 +[✔↺✘]/m);
    expect(r.stderr).not.toMatch(/^batch 3\/3/m);
    expect(r.stderr).toMatch(/^host +result +changed +duration +exposure \(before -> after\)$/m);
    expect(r.stderr).toMatch(/^vps1 +applied +\d+ +[0-9.]+ s +22\/tcp 8080\/tcp -> 2222\/tcp 8080\/tcp$/m);
    expect(r.stderr).toMatch(/^down2 +not-started +0 +- +-$/m);

    // As an outsider sees it: the canary's new way in works and the old one is gone.
    expect(await canLogin(vps1, 'admin', 2222)).toBe(true);
    expect(await canLogin(vps1, 'root', 22)).toBe(false);
    // vps2: its own rollback put SSH back on 22 (the admin account made by the step before stays, proven).
    expect(await canLogin(vps2, 'root', 22)).toBe(true);
    expect(await vps2.execOk('ss -Htln "sport = :2222" | wc -l')).toBe('0');
    expect(await vps2.execOk('test -e /etc/ssh/sshd_config.d/00-portcullis.conf && echo yes || echo no')).toBe('no');
    expect(await canLogin(vps3, 'admin', 2222)).toBe(true);
    expect(await canLogin(vps3, 'root', 22)).toBe(false);
  });

  it('the same inventory, the fault removed and the down hosts left out, converges every host; hardened hosts are reached the way the recipe left them', async () => {
    const r = await portcullis(vps1, ['apply', '--inventory', inventory, '--limit', 'all:!down*', ...RUN]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.status).toBe('applied');
    const hosts = byHost(doc.hosts);
    expect(Object.keys(hosts)).toEqual(['vps1', 'vps2', 'vps3']);
    expect(hosts.vps1).toMatchObject({result: 'unchanged', changed: 0, target: 'admin@192.0.2.10:2222'});
    expect(hosts.vps2).toMatchObject({result: 'applied', target: 'root@192.0.2.11:22'});
    expect(hosts.vps3).toMatchObject({result: 'unchanged', changed: 0, target: 'admin@192.0.2.12:2222'});
    expect(await canLogin(vps2, 'admin', 2222)).toBe(true);
    expect(await canLogin(vps2, 'root', 22)).toBe(false);
  });

  it('a run after that changes nothing, and plan --inventory shows every host compliant', async () => {
    const r = await portcullis(vps1, ['apply', '--inventory', inventory, '--limit', 'all:!down*', ...RUN]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.changed).toBe(0);
    expect(doc.hosts.map((h: HostJson) => [h.host, h.result])).toEqual([
      ['vps1', 'unchanged'],
      ['vps2', 'unchanged'],
      ['vps3', 'unchanged'],
    ]);
    const p = await portcullis(vps1, ['plan', '--inventory', inventory, '--limit', 'fleet:!down1:!down2', '--json']);
    expect(p.code, p.stderr).toBe(0);
    const plan = JSON.parse(p.stdout);
    expect(plan.hosts.map((h: {host: string; status: string}) => [h.host, h.status])).toEqual([
      ['vps1', 'planned'],
      ['vps2', 'planned'],
      ['vps3', 'planned'],
    ]);
    for (const h of plan.hosts) {
      const steps = h.plan.steps.filter((s: {id: string}) =>
        ['preflight', 'admin-user', 'ssh-hardening'].includes(s.id),
      );
      expect(steps.map((s: {status: string}) => s.status)).toEqual(['compliant', 'compliant', 'compliant']);
    }
  });

  it('check --inventory: a line per host and a summary; exit 0 while every host is as recorded, 3 once one drifted, with the unreachable host said', async () => {
    const ok = await portcullis(vps1, ['check', '--inventory', inventory, '-r', lean, '--limit', 'all:!down*']);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    for (const h of ['vps1', 'vps2', 'vps3'])
      expect(ok.stdout).toMatch(new RegExp(`^${h} +✔ as recorded, and the recipe plans no change$`, 'm'));
    expect(ok.stdout).toMatch(/^3 host\(s\): 3 as recorded, 0 drifted$/m);

    // Someone starts a service on vps3 behind the operator's back.
    expect((await vps3.exec('systemd-run --unit pc-drift python3 -m http.server 9999')).code).toBe(0);
    try {
      await waitFor(
        'the listener on vps3',
        async () => (await vps3.execOk('ss -Htln "sport = :9999" | wc -l')) !== '0',
        10_000,
      );
      const r = await portcullis(vps1, [
        'check',
        '--inventory',
        inventory,
        '-r',
        lean,
        '--limit',
        'all:!down2',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(3);
      const doc = JSON.parse(r.stdout);
      expect(doc.status).toBe('drift');
      const hosts = Object.fromEntries(
        doc.hosts.map((h: {host: string; status: string; drift?: {message: string}[]; reason?: string}) => [h.host, h]),
      );
      expect(Object.keys(hosts)).toEqual(['vps1', 'vps2', 'down1', 'vps3']);
      expect(hosts.vps1).toMatchObject({status: 'ok', drift: [], target: 'admin@192.0.2.10:2222'});
      expect(hosts.vps2).toMatchObject({status: 'ok', drift: []});
      expect(hosts.down1).toMatchObject({status: 'unreachable'});
      expect(hosts.vps3.status).toBe('drift');
      expect(hosts.vps3.drift.map((d: {message: string}) => d.message)).toEqual([
        expect.stringMatching(/python3 now listens on .*:9999\/tcp/),
      ]);
      expect(r.stderr).toMatch(/^vps3 +✘ drifted \(1\): python3 now listens on /m);
      expect(r.stderr).toMatch(/^down1 +✘ unreachable: /m);
      expect(r.stderr).toMatch(/^4 host\(s\): 2 as recorded, 1 drifted, 1 unreachable$/m);
    } finally {
      await vps3.exec('systemctl stop pc-drift');
    }
  });

  it('SIGINT during the canary: the canary ends on its own (applied and proven, or rolled back by its timer), no further batch starts, exit 1, the JSON says the operator stopped it', async () => {
    const child = spawnPortcullis(vps1, [
      'apply',
      '--inventory',
      inventory,
      '--limit',
      'all:!down*',
      '--yes',
      '--until',
      'firewall',
      '--serial',
      '1,3',
      '--json',
    ]);
    let stderr = '';
    child.process.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    // In the canary's firewall step: its first steps are already compliant, the firewall is the change.
    await waitFor(
      'the canary at work',
      async () => /^vps1 +✔ SSH hardening: already compliant$/m.test(stderr),
      90_000,
      50,
    );
    // To portcullis alone (kill -INT). A terminal's Ctrl-C goes to the whole process group, ssh clients
    // included, and those die with the script or proof in flight: see the README (Fleets).
    child.kill('SIGINT');
    const r = await child.result;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^portcullis: stopping before the next batch; hosts in flight finish/m);
    expect(r.stderr).not.toMatch(/^batch 2\/2/m);
    const doc = JSON.parse(r.stdout);
    expect(doc.status).toBe('stopped');
    expect(doc.stopped).toEqual({afterBatch: 1, reason: 'stopped by the operator', by: 'operator'});
    const hosts = byHost(doc.hosts);
    // Never half-way: the canary's firewall step ran to its end, proven (or, had its proof failed, rolled back).
    expect(['applied', 'rolled-back']).toContain(hosts.vps1?.result);
    const fw = hosts.vps1?.steps.find((st) => st.id === 'firewall');
    expect(['applied', 'rolled-back']).toContain(fw?.status);
    expect(await vps1.execOk('ufw status | head -1')).toBe(
      hosts.vps1?.result === 'applied' ? 'Status: active' : 'Status: inactive',
    );
    expect(await canLogin(vps1, 'admin', 2222)).toBe(true);
    expect(hosts.vps2).toMatchObject({batch: 2, result: 'not-started', changed: 0});
    expect(hosts.vps3).toMatchObject({batch: 2, result: 'not-started', changed: 0});
    // The hosts of the batch that never started: no firewall step ran there (ufw not even installed).
    for (const v of [vps2, vps3])
      expect(await v.execOk('(command -v ufw >/dev/null && ufw status | head -1) || echo no ufw')).toMatch(
        /^(no ufw|Status: inactive)$/,
      );
  });
});
