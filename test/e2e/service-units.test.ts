import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {INTERNAL_SERVICE, type Sandbox, start} from '../sandbox/index.js';
import {hashTree, portcullis} from './helpers.js';

const UNIT = INTERNAL_SERVICE.unit;
/** A unit that writes under /etc when it starts: it cannot live with ProtectSystem=strict or full. */
const ETC_UNIT = 'agent-etc.service';
const SUDO = [
  '/usr/bin/systemctl restart metrics-dashboard.service',
  '/usr/bin/journalctl -u metrics-dashboard.service',
];

const recipe = `name: agent-services
description: the tunnel, then the agent's account, sudo rules and sandbox
steps: [preflight, wireguard, verify-tunnel, service-user, harden-units]
values:
  wg_subnet: 10.66.0.0/24
  service_unit: ${UNIT}
  service_user: agent
  service_port: 8080
  service_health_path: /
  sudo_commands:
${SUDO.map((c) => `    - ${c}`).join('\n')}
  harden_units: [${UNIT}, ${ETC_UNIT}]
  harden_network: tunnel-only
`;

const exposure = async (vps: Sandbox, unit: string) => {
  const out = await vps.execOk(`systemd-analyze security --no-pager ${unit} | tail -n 1`);
  const m = /: (\d+\.\d) ([A-Z]+)/.exec(out);
  return {score: Number(m?.[1]), level: m?.[2] ?? ''};
};

/**
 * issue 18 items 2-3 on the sandbox VPS: the agent's unit (python http.server on 8080) moved to its own
 * account with exactly the sudo rules given and sandboxed by a drop-in, each kept only once the unit is
 * active again and answers through the tunnel; judged with systemd's and sudo's own tools and from the
 * laptop (through the tunnel) and the attacker (public address).
 */
describe.skipIf(e2eSkipReason())("the agent's service account and sandbox on the sandbox VPS", () => {
  let vps: Sandbox;
  let dir: string;
  let args: string[];
  let before = {score: 0, level: ''};
  let first = '';
  beforeAll(async () => {
    vps = await start({log: () => {}});
    dir = mkdtempSync(join(tmpdir(), 'pc-units-'));
    writeFileSync(join(dir, 'agent-services.yaml'), recipe);
    args = [
      'apply',
      'root@192.0.2.10',
      '--recipe',
      join(dir, 'agent-services.yaml'),
      '--yes',
      '--connect-tunnel',
      '--json',
    ];
    await vps.execOk(
      `cat > /etc/systemd/system/${ETC_UNIT} <<'EOF'
[Unit]
Description=An agent that writes under /etc when it starts
[Service]
ExecStart=/bin/sh -c 'date > /etc/agent-etc.stamp && exec python3 -m http.server 8090 --bind 127.0.0.1 --directory /srv/metrics-dashboard'
Restart=always
[Install]
WantedBy=multi-user.target
EOF
systemctl daemon-reload && systemctl enable --now ${ETC_UNIT} && sleep 1 && systemctl is-active ${ETC_UNIT}`,
    );
  });
  afterAll(async () => {
    await vps?.stop();
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('before: the unit is exposed, runs as a dynamic user and answers the attacker', async () => {
    before = await exposure(vps, UNIT);
    expect(before.score).toBeGreaterThan(4);
    expect((await vps.exec('id agent')).code).not.toBe(0);
    expect((await vps.attacker.runArgv(['nc', '-z', '-w', '3', vps.ip, '8080'])).code).toBe(0);
    // The plan shows the exposure now and, from systemd-analyze's offline review, after.
    const plan = await portcullis(vps, ['plan', 'root@192.0.2.10', '--recipe', join(dir, 'agent-services.yaml')]);
    const line = new RegExp(
      `metrics-dashboard\\.service: exposure now ${before.score} ${before.level}; after: (\\d+\\.\\d) OK if it runs with every directive`,
    ).exec(plan.stdout);
    expect(line, plan.stdout).not.toBeNull();
    expect(Number(line?.[1])).toBeLessThanOrEqual(4);
  });

  it('a unit the service account cannot run (it writes under /etc) is rolled back to root, unchanged', async () => {
    writeFileSync(
      join(dir, 'etc-as-agent.yaml'),
      `name: etc-as-agent\ndescription: x\nsteps: [preflight, wireguard, verify-tunnel, service-user]\nvalues:\n  wg_subnet: 10.66.0.0/24\n  service_unit: ${ETC_UNIT}\n  service_user: agent2\n  confirm_timeout: 30\n`,
    );
    // The unit's drop-ins, sudo and the account databases (the run's wireguard step changes other files).
    const state = () =>
      hashTree(
        vps,
        `/etc/systemd/system/${ETC_UNIT}.d`,
        '/etc/sudoers.d',
        '/etc/passwd',
        '/etc/group',
        '/etc/shadow',
        '/etc/gshadow',
      );
    const was = await state();
    const r = await portcullis(vps, [
      'apply',
      'root@192.0.2.10',
      '--recipe',
      join(dir, 'etc-as-agent.yaml'),
      '--yes',
      '--connect-tunnel',
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).status).toBe('failed');
    expect(r.stderr).toMatch(
      /could not prove agent-etc\.service is active after the restart: agent-etc\.service (does not stay up|is)/,
    );
    expect(await state()).toBe(was);
    expect((await vps.exec('id agent2')).code).not.toBe(0);
    expect(await vps.execOk(`systemctl is-active ${ETC_UNIT}`)).toBe('active');
    expect(await vps.execOk(`systemctl show -p User --value ${ETC_UNIT}`)).toBe('');
  });

  it('apply: the unit runs as agent in its sandbox, exposure OK, and answers through the tunnel only', async () => {
    const r = await portcullis(vps, args);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const status = (id: string) => out.steps.find((s: {id: string}) => s.id === id)?.status;
    expect(status('service-user')).toBe('applied');
    expect(status('harden-units')).toBe('applied');
    // The account: a system account without a password or a login shell.
    const pw = (await vps.execOk('getent passwd agent')).split(':');
    expect(Number(pw[2])).toBeLessThan(1000);
    expect(pw[6]).toBe('/usr/sbin/nologin');
    expect((await vps.execOk('passwd -S agent')).split(' ')[1]).toMatch(/^(L|NP)$/);
    // The unit runs as it, by systemd's word and by the kernel's.
    expect(await vps.execOk(`systemctl show -p User --value ${UNIT}`)).toBe('agent');
    const pid = await vps.execOk(`systemctl show -p MainPID --value ${UNIT}`);
    expect(await vps.execOk(`ps -o user= -p ${pid}`)).toBe('agent');
    // sudo lists exactly the given commands, and nothing else.
    const sudo = await vps.execOk('sudo -l -U agent');
    const rules = sudo
      .slice(sudo.indexOf('may run the following commands'))
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
    // sudo wraps long lists: the rules are read as one line.
    expect(rules.filter(Boolean).join(' ')).toBe(`(root) NOPASSWD: ${SUDO.join(', ')}`);
    // systemd's own verdict.
    const after = await exposure(vps, UNIT);
    expect(before.level).not.toBe('OK');
    expect(after.score).toBeLessThanOrEqual(4);
    expect(after.level).toBe('OK');
    // Through the tunnel from the laptop it answers.
    const viaTunnel = await vps.laptop.runArgv(['curl', '-sS', '-m', '5', 'http://10.66.0.1:8080/']);
    expect(viaTunnel.stdout).toContain(INTERNAL_SERVICE.body);
    // IPAddressDeny needs systemd's cgroup BPF firewall, which this nspawn container lacks: systemd takes
    // the directive and does not enforce it. The run must say so, and what it says must be true.
    const attacker = (await vps.attacker.runArgv(['nc', '-z', '-w', '3', vps.ip, '8080'])).code === 0;
    const warned = /IPAddressDeny is not enforced on this host: 192\.0\.2\.10:8080 still answers/.test(r.stderr);
    expect(warned).toBe(attacker);
    expect(r.stderr).toMatch(
      /proving metrics-dashboard\.service is active after the restart, answering on 10\.66\.0\.1:8080\//,
    );
    expect(r.stderr).toMatch(
      /metrics-dashboard\.service runs with the drop-in: .*Overall exposure level for metrics-dashboard\.service: \d\.\d OK/,
    );
    // The unit that writes under /etc: each directive it fails with is named, with its own log line.
    expect(r.stderr).toMatch(/left out ProtectSystem=strict: agent-etc\.service did not run with it/);
    expect(r.stderr).toMatch(/left out ProtectSystem=full: agent-etc\.service did not run with it/);
    expect(r.stderr).toMatch(/kept ProtectSystem=yes instead/);
  });

  it('a unit that writes under /etc keeps running: ProtectSystem=strict and full are rolled back and named', async () => {
    const drop = await vps.readFile(`/etc/systemd/system/${ETC_UNIT}.d/70-portcullis-sandbox.conf`);
    expect(drop).toMatch(/^# Left out, the unit failed with: ProtectSystem=strict ProtectSystem=full$/m);
    expect(drop).toMatch(/^ProtectSystem=yes$/m);
    expect(drop).toMatch(/^NoNewPrivileges=yes$/m);
    expect(await vps.execOk(`systemctl is-active ${ETC_UNIT}`)).toBe('active');
    // The agent's own drop-in kept the strongest: nothing of it was left out.
    const agent = await vps.readFile(`/etc/systemd/system/${UNIT}.d/70-portcullis-sandbox.conf`);
    expect(agent).not.toMatch(/Left out/);
    expect(agent).toMatch(/^ProtectSystem=strict$/m);
    expect(agent).toMatch(/^IPAddressAllow=localhost 10\.66\.0\.0\/24$/m);
  });

  it('a re-run changes nothing, through the tunnel too, and its plan names what was left out', async () => {
    first = await hashTree(vps, '/etc/systemd/system', '/etc/sudoers.d', '/etc/passwd', '/etc/shadow');
    const r = await portcullis(vps, args);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.changed).toBe(0);
    for (const id of ['service-user', 'harden-units'])
      expect(out.steps.find((s: {id: string}) => s.id === id)?.status).toBe('compliant');
    expect(await hashTree(vps, '/etc/systemd/system', '/etc/sudoers.d', '/etc/passwd', '/etc/shadow')).toBe(first);
    // Day two, through the tunnel: the same, nothing changes.
    const tunnel = await portcullis(vps, ['apply', 'root@10.66.0.1', ...args.slice(2)]);
    expect(tunnel.code, tunnel.stderr).toBe(0);
    expect(JSON.parse(tunnel.stdout).changed).toBe(0);
    expect(await hashTree(vps, '/etc/systemd/system', '/etc/sudoers.d', '/etc/passwd', '/etc/shadow')).toBe(first);
    const plan = await portcullis(vps, ['plan', 'root@192.0.2.10', '--recipe', join(dir, 'agent-services.yaml')]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /agent-etc\.service: exposure \d+\.\d [A-Z]+ with its sandboxing drop-in; it failed with \(left out\): ProtectSystem=strict, ProtectSystem=full/,
    );
  });

  it('rollback gives the unit back to its dynamic user, unsandboxed, and removes the account', async () => {
    const r = await portcullis(vps, ['rollback', 'root@192.0.2.10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((await vps.exec('id agent')).code).not.toBe(0);
    expect((await vps.exec(`test -e /etc/systemd/system/${UNIT}.d/70-portcullis-sandbox.conf`)).code).not.toBe(0);
    expect(await vps.execOk(`systemctl is-active ${UNIT}`)).toBe('active');
    expect(await vps.execOk(`systemctl show -p DynamicUser --value ${UNIT}`)).toBe('yes');
    expect((await exposure(vps, UNIT)).score).toBe(before.score);
    expect((await vps.exec('test -e /etc/sudoers.d/80-portcullis-service-agent')).code).not.toBe(0);
  });
});
