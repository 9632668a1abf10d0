import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {Facts} from '../../src/core/facts.js';
import type {Action, PlannedStep, ProbeData} from '../../src/core/types.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {planStep} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {renderServerConf} from '../../src/render/wireguard.js';
import {loadTeamFile} from '../../src/team/team-file.js';
import {clientConfPath} from '../../src/wg/client-store.js';
import {
  formatEndpoint,
  journaledEndpoint,
  parseEndpoint,
  rememberEndpoint,
  rememberedEndpoint,
} from '../../src/wg/endpoint.js';
import {planSshdAccess, team, teamDropin} from '../../steps/team/index.js';
import {arrivedThroughTunnel, verifyTunnel} from '../../steps/verify-tunnel.js';
import {wireguard} from '../../steps/wireguard.js';
import {paramsFor} from '../helpers/run-values.js';

const ALICE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFluB7SM+95GnvCAj98c+Cszy+T1lczv9Vyqbo99+UVJ alice@laptop';
const BOB = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICisLNTxK2NaMA7MKh9nh9XzMB2zIL8nypHp30mrNKO+ bob';
const KEY = Buffer.alloc(32, 7).toString('base64');
const WG_CONF = renderServerConf({
  iface: 'wg0',
  address: '10.66.0.1/24',
  listenPort: 51820,
  keyFile: '/etc/wireguard/wg0.key',
  peers: [{name: 'admin', publicKey: KEY, address: '10.66.0.2'}],
});

const dir = mkdtempSync(join(tmpdir(), 'pc-daytwo-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));
let saved: string | undefined;
beforeEach(() => {
  saved = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = mkdtempSync(join(dir, 'state-'));
});
afterEach(() => {
  if (saved === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = saved;
});

/** A Debian host after fresh-vps: AllowUsers admin, SSH on 2222, reached through the tunnel from 10.66.0.2. */
function afterFreshVps(): Facts {
  const f = profileFacts('debian-12');
  f.source = 'live';
  f.hostname = 'vps';
  f.ssh.effective = {...f.ssh.effective, port: ['2222'], allowusers: ['admin']};
  f.operator = {...f.operator, loginUser: 'admin', clientAddress: '10.66.0.2', serverAddress: '10.66.0.1'};
  return f;
}
const TUNNEL = {user: 'admin', host: '10.66.0.1', port: 2222, kind: 'ssh' as const};
const teamOf = (text: string) => {
  const p = join(dir, `team-${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
};
const TEAM = `members:\n  - name: alice\n    key: ${ALICE}\n  - name: bob\n    key: ${BOB}\n`;
const errors = (s: PlannedStep) => s.plan.findings.filter((f) => f.level === 'error').map((f) => f.message);

describe('teammates can log in: sshd AllowUsers kept in step with the team', () => {
  const facts = afterFreshVps();
  const dropin = teamDropin(facts);

  it('names the active members the rest of AllowUsers leaves out, under the timer, with the admin proven again', () => {
    const t = loadTeamFile(teamOf(TEAM));
    const access = planSshdAccess(facts, t, {exists: false});
    expect(access?.action).toEqual({
      kind: 'file.write',
      path: '/etc/ssh/sshd_config.d/01-portcullis-team.conf',
      content: expect.stringMatching(/\nAllowUsers alice bob\n$/),
      mode: 0o644,
    });
    expect(access?.expect).toEqual(['allowusers alice', 'allowusers bob']);

    const queries: ProbeData['queries'] = {team_uid_min: {code: 0, out: '1000'}, team_groups: {code: 0, out: ''}};
    for (const n of ['alice', 'bob']) queries[`team_${n}`] = {code: 0, out: 'NONE'};
    const values = {team_file: teamOf(TEAM)};
    const plan = planStep(team as never, {
      facts,
      params: paramsFor(team, values, facts),
      probe: {files: {[dropin]: {exists: false}}, queries},
      access: TUNNEL,
    });
    const kinds = plan.plan.actions.map((a) => a.kind);
    expect(kinds[0]).toBe('timer.arm');
    expect(kinds.at(-1)).toBe('timer.disarm');
    const proof = plan.plan.actions.find((a) => a.kind === 'proof') as Extract<Action, {kind: 'proof'}>;
    expect(proof.route).toEqual({user: 'admin', port: 2222});
    expect(compileRollback(plan.plan.onRollback).join('\n')).toMatch(/sshd -t && systemctl reload ssh/);
    const run = plan.plan.actions.filter((a) => a.kind === 'run').map((a) => (a.kind === 'run' ? a.argv[0] : ''));
    expect(run).toContain('sshd');
  });

  it('a member who left is taken out; once everyone is in, nothing changes', () => {
    const first = planSshdAccess(facts, loadTeamFile(teamOf(TEAM)), {exists: false})?.action;
    const current = {exists: true, content: first?.kind === 'file.write' ? first.content : ''};
    const withBoth = {
      ...facts,
      ssh: {...facts.ssh, effective: {...facts.ssh.effective, allowusers: ['admin', 'alice', 'bob']}},
    };
    expect(planSshdAccess(withBoth, loadTeamFile(teamOf(TEAM)), current)).toBeUndefined();
    const left = loadTeamFile(teamOf(`${TEAM}    state: left\n`));
    const out = planSshdAccess(withBoth, left, current);
    expect(out?.action).toMatchObject({kind: 'file.write', content: expect.stringMatching(/\nAllowUsers alice\n$/)});
    const none = loadTeamFile(
      teamOf(
        `members:\n  - name: alice\n    key: ${ALICE}\n    state: left\n  - name: bob\n    key: ${BOB}\n    state: left\n`,
      ),
    );
    expect(planSshdAccess(withBoth, none, current)?.action).toEqual({kind: 'file.remove', path: dropin});
  });

  it('adds no AllowUsers where sshd lets everyone in (it would lock the others out), and leaves a foreign file alone', () => {
    const open = {...facts, ssh: {...facts.ssh, effective: {...facts.ssh.effective, allowusers: []}}};
    expect(planSshdAccess(open, loadTeamFile(teamOf(TEAM)), {exists: false})).toBeUndefined();
    expect(
      planSshdAccess(facts, loadTeamFile(teamOf(TEAM)), {exists: true, content: 'AllowUsers mallory\n'}),
    ).toBeUndefined();
  });

  it('a drop-in of that name not written by portcullis is left alone, with a warning', () => {
    const queries: ProbeData['queries'] = {team_uid_min: {code: 0, out: '1000'}, team_groups: {code: 0, out: ''}};
    for (const n of ['alice', 'bob']) queries[`team_${n}`] = {code: 0, out: 'NONE'};
    const plan = planStep(team as never, {
      facts,
      params: paramsFor(team, {team_file: teamOf(TEAM)}, facts),
      probe: {files: {[dropin]: {exists: true, content: 'AllowUsers mallory\n'}}, queries},
      access: TUNNEL,
    });
    expect(plan.plan.actions.some((a) => a.kind === 'proof' || ('path' in a && a.path === dropin))).toBe(false);
    expect(plan.plan.findings.map((f) => f.message)).toContainEqual(
      expect.stringMatching(/01-portcullis-team\.conf was not written by portcullis/),
    );
  });

  it('AllowGroups: a member outside every allowed group gets their own group named', () => {
    const groups = {
      ...facts,
      ssh: {...facts.ssh, effective: {...facts.ssh.effective, allowusers: [], allowgroups: ['sudo']}},
    };
    const out = planSshdAccess(groups, loadTeamFile(teamOf(TEAM)), {exists: false});
    expect(out?.action).toMatchObject({content: expect.stringMatching(/\nAllowGroups alice bob\n$/)});
    expect(out?.expect).toEqual(['allowgroups alice', 'allowgroups bob']);
  });
});

describe('the endpoint in client configs is the public address, never the tunnel', () => {
  it('parses and formats HOST[:PORT], IPv6 in brackets; rejects anything else', () => {
    expect(parseEndpoint('203.0.113.5')).toEqual({host: '203.0.113.5'});
    expect(parseEndpoint('vpn.example.org:51821')).toEqual({host: 'vpn.example.org', port: 51821});
    expect(formatEndpoint(parseEndpoint('[2001:db8::5]:51820'), 1)).toBe('[2001:db8::5]:51820');
    expect(formatEndpoint(parseEndpoint('2001:db8::5'), 51820)).toBe('[2001:db8::5]:51820');
    for (const bad of ['a b', 'host:99999', 'x;reboot', '[nope]:1', 'host:'])
      expect(() => parseEndpoint(bad), bad).toThrow(/wg_endpoint/);
  });

  it("reads the public address from the server's journal, validated, never a tunnel or hostile one", () => {
    const begin = (target: unknown, kind = 'run.begin') =>
      JSON.stringify({run: 'r', kind, target, recipe: 'fresh-vps', tool: 'portcullis'});
    const lines = (...l: string[]) => `${l.join('\n')}\n`;
    expect(
      journaledEndpoint(lines(begin('root@192.0.2.10:22'), begin('admin@10.66.0.1:2222')), '10.66.0.1/24'),
    ).toEqual({
      host: '192.0.2.10',
    });
    expect(
      journaledEndpoint(
        lines(
          begin('root@192.0.2.10:22'),
          begin('x@evil host:1'),
          begin('root@$(reboot):22'),
          begin('-oProxyCommand=x'),
          begin(42),
          begin('local'),
          begin('root@127.0.0.1:22'),
          begin('root@203.0.113.9:22', 'step.begin'),
          'not json',
        ),
        '10.66.0.1/24',
      ),
    ).toEqual({host: '192.0.2.10'});
    expect(journaledEndpoint(lines(begin('admin@10.66.0.1:2222')), '10.66.0.1/24')).toBeUndefined();
  });

  it('remembers the public endpoint on this machine and reads it back', () => {
    expect(rememberedEndpoint('vps')).toBeUndefined();
    rememberEndpoint('vps', {host: '192.0.2.10'});
    expect(rememberedEndpoint('vps')).toEqual({host: '192.0.2.10'});
    expect(readFileSync(join(process.env.XDG_STATE_HOME ?? '', 'portcullis/wireguard/vps.endpoint'), 'utf8')).toBe(
      '192.0.2.10\n',
    );
  });

  it('through the tunnel without a remembered address, the wireguard step is refused before it changes the server', () => {
    const facts = afterFreshVps();
    const plan = (values: Record<string, unknown>, journal = '') => {
      const params = paramsFor(
        wireguard,
        {...values, target_host: TUNNEL.host, peers: ['phone'], wg_add_admin_peer: false},
        facts,
      );
      return planStep(wireguard as never, {
        facts,
        params,
        probe: {
          files: {'/etc/wireguard/wg0.conf': {exists: true, mode: 0o600, content: WG_CONF}},
          queries: {
            wg_key: {code: 0, out: ''},
            wg_dir: {code: 0, out: '700'},
            wg_active: {code: 0, out: 'active'},
            wg_journal_starts: {code: 0, out: journal},
          },
        },
        access: TUNNEL,
      });
    };
    const refused = plan({});
    expect(refused.plan.actions).toEqual([]);
    expect(errors(refused)[0]).toMatch(/reaches the server through the tunnel \(10\.66\.0\.1\), and no public address/);
    expect(refused.plan.findings[0]?.fix).toMatch(/--set wg_endpoint=/);
    expect(errors(plan({wg_endpoint: '10.66.0.1'}))[0]).toMatch(/inside the tunnel network/);
    expect(errors(plan({wg_endpoint: '192.0.2.10'}))).toEqual([]);
    // The server's journal says how the run that set it up came in: its public address will do.
    const begin = (target: string) =>
      JSON.stringify({run: 'r', kind: 'run.begin', target, recipe: 'fresh-vps', tool: 'portcullis'});
    expect(errors(plan({}, `${begin('admin@10.66.0.1:2222')}\n`))[0]).toMatch(/no public address/);
    expect(errors(plan({}, `${begin('root@192.0.2.10:22')}\n${begin('admin@10.66.0.1:2222')}\n`))).toEqual([]);
    rememberEndpoint('vps', {host: '192.0.2.10'});
    expect(errors(plan({}))).toEqual([]);
    expect(existsSync(clientConfPath('vps', 'phone', false))).toBe(false);
  });
});

describe('a run that came in through the tunnel has proven it', () => {
  const conf = {exists: true, mode: 0o600, content: WG_CONF};

  it('sees the peer from SSH_CONNECTION, only for our tunnel addresses', () => {
    const f = afterFreshVps();
    expect(arrivedThroughTunnel(f, conf)).toEqual({peer: 'admin', address: '10.66.0.2', publicKey: KEY});
    const pub = {...f, operator: {...f.operator, clientAddress: '192.0.2.20', serverAddress: '192.0.2.10'}};
    expect(arrivedThroughTunnel(pub, conf)).toBeUndefined();
    const stranger = {...f, operator: {...f.operator, clientAddress: '10.66.0.9'}};
    expect(arrivedThroughTunnel(stranger, conf)).toBeUndefined();
    expect(arrivedThroughTunnel(f, {exists: false})).toBeUndefined();
  });

  it('verify-tunnel is compliant headless without --connect-tunnel; over the public address it is still refused', () => {
    const f = afterFreshVps();
    const plan = (facts: Facts, access = TUNNEL) =>
      planStep(verifyTunnel as never, {
        facts,
        params: paramsFor(verifyTunnel, {admin_user: 'admin', target_host: access.host}, facts),
        probe: {files: {'/etc/wireguard/wg0.conf': conf}, queries: {}},
        access,
      });
    const through = plan(f);
    expect(through.plan.actions).toEqual([]);
    expect(errors(through)).toEqual([]);
    expect(through.plan.findings[0]?.message).toMatch(/this run itself came in through the tunnel \(peer admin/);
    const pub = {...f, operator: {...f.operator, clientAddress: '192.0.2.20', serverAddress: '192.0.2.10'}};
    expect(errors(plan(pub, {...TUNNEL, host: '192.0.2.10'}))[0]).toMatch(/needs --connect-tunnel/);
  });
});
