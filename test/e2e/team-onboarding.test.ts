import {readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {type Sandbox, type SandboxChild, start} from '../sandbox/index.js';
import {hashTree, keySsh, portcullis, waitFor} from './helpers.js';

const VPS = 'root@192.0.2.10';
const TUNNEL_SERVER = '10.66.0.1';

interface Member {
  name: string;
  key: string;
  groups?: string[];
  state?: 'left';
}

function teamYaml(members: Member[]): string {
  return `members:\n${members
    .map(
      (m) =>
        `  - name: ${m.name}\n    key: ${JSON.stringify(m.key)}\n${m.groups ? `    groups: [${m.groups.join(', ')}]\n` : ''}${m.state ? `    state: ${m.state}\n` : ''}`,
    )
    .join('')}`;
}

/**
 * One sandbox: two members onboarded from a team file, then one marked as left while the other keeps an
 * SSH session open through the tunnel, then the same file again. Hostile team files change nothing.
 */
describe.skipIf(e2eSkipReason())('team-onboarding on the sandbox VPS', () => {
  let vps: Sandbox;
  let teamFile = '';
  /** The account files before the first run: a rollback of every run must bring them back byte for byte. */
  let accounts = '';
  const ACCOUNTS = ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow'];
  const keys: Record<string, {path: string; pub: string}> = {};
  const apply = (extra: string[] = []) =>
    portcullis(vps, [
      'apply',
      VPS,
      '--recipe',
      'team-onboarding',
      '--yes',
      '--json',
      '--set',
      `team_file=${teamFile}`,
      '--set',
      'wg_subnet=10.66.0.0/24',
      ...extra,
    ]);
  /** A fresh key login as a member, with that member's own key (the operator key is not theirs). */
  const memberLogin = (name: string, host = vps.ip, command = 'id -un') =>
    vps.laptop.runArgv(
      [
        'ssh',
        ...keySsh(keys[name]?.path ?? '', `${name}@${host}`, command, '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR'),
      ],
      {timeout: 30_000},
    );

  beforeAll(async () => {
    vps = await start({log: () => {}});
    teamFile = join(vps.laptop.home, 'team.yaml');
    for (const name of ['alice', 'bob']) {
      const path = join(vps.laptop.home, `${name}_ed25519`);
      const r = await vps.laptop.runArgv([
        'ssh-keygen',
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        `${name}@team`,
        '-f',
        path,
      ]);
      expect(r.code, r.stderr).toBe(0);
      keys[name] = {path, pub: readFileSync(`${path}.pub`, 'utf8').trim()};
    }
    accounts = await vps.execOk(`sha256sum ${ACCOUNTS.join(' ')}; ls /home`);
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('hostile team files are refused with file:line:col before anything changes on the server', async () => {
    const etc = await hashTree(vps, '/etc');
    const cases: [string, RegExp][] = [
      [
        `members:\n  - name: "../../root"\n    key: ${JSON.stringify(keys.alice?.pub)}\n`,
        /team\.yaml:2:11: members\.0\.name: "\.\.\/\.\.\/root" is not a member name/,
      ],
      [
        `members:\n  - name: alice\n    key: ${JSON.stringify(`${keys.alice?.pub}\nssh-ed25519 AAAA injected`)}\n`,
        /team\.yaml:3:10: members\.0\.key: the key of alice must not contain newlines or control characters/,
      ],
      [
        `members:\n  - name: alice\n    key: ${JSON.stringify(keys.alice?.pub)}\n    groups: ["sudo;reboot"]\n`,
        /team\.yaml:4:14: members\.0\.groups\.0: "sudo;reboot" is not a group name/,
      ],
    ];
    for (const [text, message] of cases) {
      writeFileSync(teamFile, text);
      const r = await apply();
      expect(r.code, r.stderr).toBe(2);
      // One sentence naming the place, as the last line (the progress view above it says which step stopped).
      const last = r.stderr.trim().split('\n').at(-1) ?? '';
      expect(last, r.stderr).toMatch(/^portcullis: \/.*\/team\.yaml:\d+:\d+: /);
      expect(last).toMatch(message);
    }
    expect(await hashTree(vps, '/etc')).toBe(etc);
    expect((await vps.exec('getent passwd alice')).code).toBe(2);
  });

  it('onboards alice and bob: accounts, keys, groups, peers with client configs and QR codes', async () => {
    writeFileSync(
      teamFile,
      teamYaml([
        {name: 'alice', key: keys.alice?.pub ?? '', groups: ['developers']},
        {name: 'bob', key: keys.bob?.pub ?? ''},
      ]),
    );
    const r = await apply();
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.changed).toBeGreaterThan(0);
    expect(r.stdout).not.toMatch(/PrivateKey/);
    for (const name of ['alice', 'bob']) {
      const login = await memberLogin(name);
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout.trim()).toBe(name);
      const conf = (out.clientConfigs as string[]).find((p) => p.endsWith(`-${name}.conf`)) ?? '';
      expect(conf.startsWith(vps.laptop.env.XDG_STATE_HOME)).toBe(true);
      expect(statSync(conf).mode & 0o777).toBe(0o600);
      expect(readFileSync(conf, 'utf8')).toContain(`AllowedIPs = 10.66.0.0/24`);
      const png = (out.clientConfigs as string[]).find((p) => p.endsWith(`-${name}.png`)) ?? '';
      expect(statSync(png).mode & 0o777).toBe(0o600);
      expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    }
    expect(await vps.execOk('id -nG alice')).toBe('alice developers');
    expect(await vps.execOk('stat -c %a:%U /home/alice/.ssh /home/alice/.ssh/authorized_keys')).toBe(
      '700:alice\n600:alice',
    );
    expect(await vps.execOk('grep -c "^# portcullis-peer: " /etc/wireguard/wg0.conf')).toBe('3');
  });

  let bobSession: SandboxChild | undefined;
  let aliceSession: SandboxChild | undefined;
  it("marks alice as left: locked, keys gone, peer revoked, her session ended, bob's tunnel session untouched", async () => {
    const bobConf = readFileSync(
      join(vps.laptop.env.XDG_STATE_HOME, 'portcullis', 'wireguard', 'vps-bob.conf'),
      'utf8',
    );
    await vps.laptop.wgUp(bobConf);
    const login = await memberLogin('bob', TUNNEL_SERVER);
    expect(login.code, login.stderr).toBe(0);
    bobSession = vps.laptop.spawn(
      'ssh',
      keySsh(
        keys.bob?.path ?? '',
        `bob@${TUNNEL_SERVER}`,
        'while [ ! -e /tmp/bob-done ]; do echo tick; sleep 1; done; echo bye',
      ),
    );
    aliceSession = vps.laptop.spawn('ssh', keySsh(keys.alice?.path ?? '', `alice@${vps.ip}`, 'sleep 600'));
    await waitFor(
      'both sessions',
      async () =>
        (await vps.exec('pgrep -u bob -f "bob-done"')).code === 0 &&
        (await vps.exec('pgrep -u alice sleep')).code === 0,
      20_000,
    );
    const alicePub = /PublicKey = (\S+)/.exec(
      await vps.execOk('grep -A2 "^# portcullis-peer: alice" /etc/wireguard/wg0.conf'),
    )?.[1];
    expect(alicePub).toBeTruthy();

    writeFileSync(
      teamFile,
      teamYaml([
        {name: 'alice', key: keys.alice?.pub ?? '', groups: ['developers'], state: 'left'},
        {name: 'bob', key: keys.bob?.pub ?? ''},
      ]),
    );
    const r = await apply();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed).toBeGreaterThan(0);

    const shadow = await vps.execOk('getent shadow alice | awk -F: \'{print substr($2,1,1) ":" $8}\'');
    expect(shadow).toBe('!:1');
    expect((await vps.exec('test -e /home/alice/.ssh/authorized_keys')).code).toBe(1);
    expect((await memberLogin('alice')).code).not.toBe(0);
    expect(await vps.execOk('grep -c "^# portcullis-peer: alice" /etc/wireguard/wg0.conf || true')).toBe('0');
    expect(await vps.execOk('wg show wg0 peers')).not.toContain(alicePub);
    const aliceEnded = await Promise.race([aliceSession.result, new Promise((r) => setTimeout(r, 15_000, 'running'))]);
    expect(aliceEnded).not.toBe('running');

    expect((await memberLogin('bob', TUNNEL_SERVER)).code).toBe(0);
    await vps.execOk('touch /tmp/bob-done');
    const bob = await bobSession.result;
    expect(bob.code, bob.stderr).toBe(0);
    expect(bob.stdout.trim().endsWith('bye')).toBe(true);
    // It ticked before the change and said bye only when told to, after it: one session, through the tunnel, throughout.
    expect(bob.stdout.split('\n')[0]).toBe('tick');
  });

  it('the same team file again changes nothing', async () => {
    const r = await apply();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed, r.stderr).toBe(0);
  });

  it('rolling back every run restores the account files byte for byte and removes the homes it created', async () => {
    const r = await portcullis(vps, ['rollback', VPS, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const steps = JSON.parse(r.stdout).rolledBack.map((s: {step: string}) => s.step);
    expect(steps).toEqual(['team', 'wireguard', 'team', 'wireguard']);
    expect(await vps.execOk(`sha256sum ${ACCOUNTS.join(' ')}; ls /home`)).toBe(accounts);
  });
});
