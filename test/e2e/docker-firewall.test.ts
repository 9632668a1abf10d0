import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {type Sandbox, start} from '../sandbox/index.js';
import {runSync} from '../sandbox/run.js';
import {hashTree, portcullis, spawnPortcullis, waitFor} from './helpers.js';

const VPS = 'root@192.0.2.10';
const TUNNEL_IP = '10.66.0.1';
/** What the step writes, and a rollback must give back byte for byte. */
const DIRS = ['/etc/systemd/system', '/usr/local/sbin', '/etc/docker'];
/**
 * The stand-in image: no registry here, so an empty root whose /usr is the VPS's own (bind-mounted
 * read-only), enough for python3's http.server. The container is a real one: runc, its own netns on
 * docker0, Docker's DNAT and docker-proxy for the published port.
 */
const IMAGE = [
  'set -e',
  'd=$(mktemp -d)',
  'cd "$d"',
  'ln -s usr/bin bin; ln -s usr/lib lib; ln -s usr/lib64 lib64; ln -s usr/sbin sbin',
  'mkdir -p usr etc proc sys dev tmp',
  'tar -c . | docker import - portcullis/stand-in >/dev/null',
  'docker run -d --name web --restart=always -v /usr:/usr:ro -p 0.0.0.0:8081:8000 portcullis/stand-in python3 -m http.server 8000 >/dev/null',
].join('\n');

/** Docker's and our rules as iptables prints them (no counters): equal strings mean the same rules. */
const RULES = 'iptables -w -S; iptables -w -t nat -S';

/**
 * A VPS running Docker 20.10 (the `docker` sandbox variant) with a container publishing 0.0.0.0:8081.
 * The firewall (ufw) and WireGuard go first, then docker-firewall; judged from the attacker (nmap) and
 * from the operator through the tunnel, again after `systemctl restart docker` and a power cut.
 */
describe.skipIf(e2eSkipReason())("Docker's published ports on the sandbox VPS (real dockerd)", () => {
  let vps: Sandbox;
  let dir: string;
  let recipe: string;
  /** The same runbook without docker-firewall: the host firewall and the tunnel, Docker's port still open. */
  let tunnelFirst: string;
  const attackerOpen = async () => {
    const r = await vps.attacker.runArgv(['nmap', '-Pn', '-p', '8081', '--max-retries', '1', '-oG', '-', vps.ip], {
      timeout: 30_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Ports: 8081\//);
    return /8081\/open\/tcp/.test(r.stdout);
  };
  const operatorReaches = async (host: string) =>
    (await vps.laptop.runArgv(['nc', '-z', '-w', '3', host, '8081'])).code === 0;
  const containerUp = () =>
    waitFor('the container answering through the tunnel', () => operatorReaches(TUNNEL_IP), 60_000, 500);
  const apply = (...more: string[]) =>
    portcullis(vps, ['apply', VPS, '--recipe', recipe, '--yes', '--connect-tunnel', '--json', ...more]);

  beforeAll(async () => {
    vps = await start({variant: 'docker', log: () => {}});
    dir = mkdtempSync(join(tmpdir(), 'pc-docker-'));
    const write = (name: string, steps: string) => {
      const f = join(dir, `${name}.yaml`);
      writeFileSync(
        f,
        [
          `name: ${name}`,
          'description: the docker-firewall e2e',
          `steps: [${steps}]`,
          'values:',
          '  wg_subnet: 10.66.0.0/24',
          '',
        ].join('\n'),
      );
      return f;
    };
    tunnelFirst = write('tunnel-first', 'preflight, firewall, wireguard, verify-tunnel');
    recipe = write('docker-e2e', 'preflight, firewall, wireguard, docker-firewall, verify-tunnel');
    await vps.execOk(`systemctl is-active docker`);
    await vps.execOk(IMAGE);
  }, 180_000);
  afterAll(async () => {
    await vps?.stop();
    if (dir) rmSync(dir, {recursive: true, force: true});
    // Docker in the VPS made its cgroups in the host's v1 hierarchies (see test/sandbox/README): empty now.
    runSync('sh', ['-c', 'find /sys/fs/cgroup/*/docker -depth -type d -exec rmdir {} + 2>/dev/null; true']);
  });

  let before: {files: string; rules: string};

  it('before: the host firewall is on, and the published port still answers the attacker', async () => {
    const r = await portcullis(vps, ['apply', VPS, '--recipe', tunnelFirst, '--yes', '--connect-tunnel', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(await vps.execOk('ufw status | head -1')).toBe('Status: active');
    expect(r.stderr).toMatch(/Docker publishes 0\.0\.0\.0:8081->8000\/tcp.*bypass the host firewall/);
    await containerUp();
    expect(await attackerOpen()).toBe(true);
    before = {files: await hashTree(vps, ...DIRS), rules: await vps.execOk(RULES)};
  }, 300_000);

  it('a failed proof rolls the step back: files and rules as before, 8081 still open', async () => {
    const BLOCK = 'OUTPUT -d 192.0.2.10 -p tcp --dport 22 --syn -j DROP';
    const child = spawnPortcullis(vps, [
      'apply',
      VPS,
      '--recipe',
      recipe,
      '--yes',
      '--connect-tunnel',
      '--confirm-timeout',
      '15',
      '--json',
    ]);
    let stderr = '';
    child.process.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    try {
      await waitFor('the run to connect', async () => /^found /m.test(stderr), 60_000, 100);
      // Fresh logins on the public address fail from here on; the run's own connection and the tunnel stay.
      await vps.laptop.run(`iptables -I ${BLOCK}`);
      const r = await child.result;
      expect(r.code, stderr).toBe(1);
      expect(stderr).toMatch(/docker-firewall|Docker's published ports/);
    } finally {
      await vps.laptop.run(`iptables -D ${BLOCK}`);
    }
    await waitFor('the rollback', async () => (await hashTree(vps, ...DIRS)) === before.files, 60_000, 500);
    expect(await vps.execOk(RULES)).toBe(before.rules);
    expect(await attackerOpen()).toBe(true);
  }, 300_000);

  it('after apply: nmap from the attacker finds 8081 closed; the operator reaches it through the tunnel', async () => {
    const r = await apply();
    expect(r.code, r.stderr).toBe(0);
    const step = JSON.parse(r.stdout).steps.find((s: {id: string}) => s.id === 'docker-firewall');
    expect(step.status).toBe('applied');
    expect(await attackerOpen()).toBe(false);
    expect(await operatorReaches(TUNNEL_IP)).toBe(true);
    // The operator's own public address is no tunnel: from there too the port stays closed.
    expect(await operatorReaches(vps.ip)).toBe(false);
    // IPv6 goes through docker-proxy, a host process: the host firewall (ufw) filters it.
    expect((await vps.attacker.runArgv(['nc', '-6', '-z', '-w', '3', vps.ip6, '8081'])).code).not.toBe(0);
    // The run's own exposure table counts it closed now.
    const on8081 = (list: {port: number; address: string}[]) =>
      list.find((e) => e.port === 8081 && e.address === '0.0.0.0');
    const out = JSON.parse(r.stdout);
    expect(on8081(out.exposures.before)).toMatchObject({exposed: true, flag: true});
    expect(on8081(out.exposures.after)).toMatchObject({blocked: true, exposed: false});
    // Docker's DNAT happens before the firewall: the step's chain is what closes it.
    expect(await vps.execOk('iptables -w -S DOCKER-USER | sed -n 2p')).toBe('-A DOCKER-USER -j PORTCULLIS-DOCKER');
  }, 300_000);

  it("the container's own outbound connections still work", async () => {
    const out = await vps.exec(
      `docker exec web python3 -c "import socket; socket.create_connection(('192.0.2.20', 9), 3)" 2>&1`,
    );
    // Port 9 on the laptop is closed: a refusal (RST) proves the packet went out and the reply came back.
    expect(out.stdout).toMatch(/ConnectionRefusedError/);
  });

  it('a re-run changes nothing', async () => {
    const r = await apply();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed, r.stderr).toBe(0);
  }, 300_000);

  // `--to wireguard`: the steps after it are docker-firewall and the runs' verify-tunnel proofs (nothing to undo on the server).
  it('rollback of the step restores the files and the rules byte for byte, and 8081 answers the attacker again', async () => {
    const r = await portcullis(vps, ['rollback', VPS, '--to', 'wireguard', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(await hashTree(vps, ...DIRS)).toBe(before.files);
    expect(await vps.execOk(RULES)).toBe(before.rules);
    expect(await attackerOpen()).toBe(true);
  }, 300_000);

  it('applied again with docker_bind_localhost, 8081 stays closed after `systemctl restart docker`; only new containers bind 127.0.0.1', async () => {
    const r = await apply('--set', 'docker_bind_localhost=true');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/changes only containers created after Docker next restarts/);
    expect(JSON.parse(await vps.readFile('/etc/docker/daemon.json'))).toEqual({ip: '127.0.0.1'});
    expect(await attackerOpen()).toBe(false);
    await vps.execOk('systemctl restart docker');
    await containerUp();
    expect(await attackerOpen()).toBe(false);
    expect(await vps.execOk('iptables -w -S DOCKER-USER | grep -c PORTCULLIS-DOCKER')).toBe('1');
    // The warning, measured: the running container kept 0.0.0.0, a new one gets 127.0.0.1.
    expect(await vps.execOk('docker port web 8000/tcp | head -1')).toBe('0.0.0.0:8081');
    await vps.execOk(
      'docker run -d --name web2 -v /usr:/usr:ro -p 8082:8000 portcullis/stand-in python3 -m http.server 8000',
    );
    expect(await vps.execOk('docker port web2 8000/tcp')).toBe('127.0.0.1:8082');
  }, 300_000);

  it('after a power cut of the VPS too; a re-run changes nothing', async () => {
    await vps.powerCycle();
    await waitFor(
      'docker after the boot',
      async () => (await vps.exec('systemctl is-active docker')).code === 0,
      60_000,
    );
    await containerUp();
    expect(await attackerOpen()).toBe(false);
    const r = await apply('--set', 'docker_bind_localhost=true');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed, r.stderr).toBe(0);
  }, 300_000);

  it('a rollback after all that: the files as before the step (daemon.json gone), no chain left, 8081 open again', async () => {
    const r = await portcullis(vps, ['rollback', VPS, '--to', 'wireguard', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(await hashTree(vps, ...DIRS)).toBe(before.files);
    expect((await vps.exec('iptables -w -S PORTCULLIS-DOCKER')).code).not.toBe(0);
    expect(await attackerOpen()).toBe(true);
  }, 300_000);

  it('docker_allow_from lets that address in; public_ports match the published port (8081), not the container port (8000)', async () => {
    const applied = async (...set: string[]) => {
      const r = await apply(...set.flatMap((v) => ['--set', v]));
      expect(r.code, r.stderr).toBe(0);
    };
    await applied(`docker_allow_from=${vps.attacker.ip}`);
    expect(await attackerOpen()).toBe(true);
    expect(await operatorReaches(vps.ip)).toBe(false);
    await applied('public_ports=8000/tcp');
    expect(await attackerOpen()).toBe(false);
    await applied('public_ports=8081/tcp');
    expect(await attackerOpen()).toBe(true);
    expect(await operatorReaches(vps.ip)).toBe(true);
  }, 300_000);
});
