import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import type {Action, ProbeData} from '../../src/core/types.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {teamOf, teamPeers} from '../../src/team/team-file.js';
import {KEYS_BEGIN, KEYS_END, parseAccount, team, withMemberKey} from '../../steps/team/index.js';
import {wgParams} from '../../steps/wireguard.js';
import {paramsFor, runOf, runValues} from '../helpers/run-values.js';

const ALICE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFluB7SM+95GnvCAj98c+Cszy+T1lczv9Vyqbo99+UVJ alice@laptop';
const BOB = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICisLNTxK2NaMA7MKh9nh9XzMB2zIL8nypHp30mrNKO+ bob';
const OTHER = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHN0YW5kLWluIGtleSBmb3Igb2ZmbGluZSBwbGFucyEhISE operator@laptop';

const dir = mkdtempSync(join(tmpdir(), 'pc-team-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));
const facts = profileFacts('debian-12');

function teamFile(text: string): string {
  const p = join(dir, `team-${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const block = (key: string) => `${KEYS_BEGIN}\n${key}\n${KEYS_END}\n`;

function plan(text: string, accounts: Record<string, string>, groups = '') {
  const queries: ProbeData['queries'] = {team_uid_min: {code: 0, out: '1000'}, team_groups: {code: 0, out: groups}};
  for (const [name, out] of Object.entries(accounts)) queries[`team_${name}`] = {code: 0, out};
  const values = {team_file: teamFile(text)};
  return team.plan({
    facts,
    params: paramsFor(team, values, facts),
    probe: {files: {}, queries},
    access: {user: 'root', host: '203.0.113.5', port: 22, kind: 'ssh'},
  });
}

const labels = (a: Action[]) =>
  a.map((x) =>
    x.kind === 'run'
      ? x.argv.join(' ')
      : x.kind === 'file.remove'
        ? `rm ${x.path}`
        : `${x.kind} ${'path' in x ? x.path : ''}`,
  );

describe('authorized_keys with a team block', () => {
  it('adds the key in a block of its own and keeps every other line', () => {
    expect(withMemberKey('', ALICE)).toBe(block(ALICE));
    expect(withMemberKey(`${OTHER}\n`, ALICE)).toBe(`${OTHER}\n${block(ALICE)}`);
    expect(withMemberKey(OTHER, ALICE)).toBe(`${OTHER}\n${block(ALICE)}`);
  });

  it('is idempotent, rotates the key, and adds nothing when the key is already there by hand', () => {
    const once = withMemberKey(`${OTHER}\n`, ALICE);
    expect(withMemberKey(once, ALICE)).toBe(once);
    expect(withMemberKey(once, BOB)).toBe(`${OTHER}\n${block(BOB)}`);
    expect(withMemberKey(`${ALICE}\n`, ALICE)).toBe(`${ALICE}\n`);
  });
});

describe('team accounts', () => {
  const twoMembers = `members:\n  - name: alice\n    key: ${ALICE}\n    groups: [developers]\n  - name: bob\n    key: ${BOB}\n`;

  it('reads an account without ever seeing a password hash', () => {
    const a = parseAccount(
      `P alice:x:1001:1001::/home/alice:/bin/bash\nS !*:1\nG alice developers\nD\nF authorized_keys\nK ${b64(block(ALICE))}\nC 2`,
    );
    expect(a).toMatchObject({
      exists: true,
      uid: 1001,
      home: '/home/alice',
      pw: '!*',
      expire: '1',
      groups: ['alice', 'developers'],
      sshDir: true,
      keyFiles: ['authorized_keys'],
      keys: block(ALICE),
      procs: 2,
    });
    expect(parseAccount('H\nNONE')).toMatchObject({exists: false, homeTaken: true});
  });

  it('creates missing groups and accounts with their keys, and removes a home it created on rollback', () => {
    const p = plan(twoMembers, {alice: 'NONE', bob: 'NONE'});
    expect(labels(p.actions)).toEqual([
      'groupadd developers',
      'useradd -m -d /home/alice -s /bin/bash -p * -c team member (portcullis) -G developers alice',
      'mkdir -p -m 0700 /home/alice/.ssh',
      'file.write /home/alice/.ssh/authorized_keys',
      'useradd -m -d /home/bob -s /bin/bash -p * -c team member (portcullis) bob',
      'mkdir -p -m 0700 /home/bob/.ssh',
      'file.write /home/bob/.ssh/authorized_keys',
    ]);
    expect(compileRollback(p.onRollback)).toEqual([
      'getent passwd alice >/dev/null || rm -rf -- /home/alice',
      'getent passwd bob >/dev/null || rm -rf -- /home/bob',
    ]);
    // Everything in a member's home is done as the member, never as root.
    expect(p.actions[2]).toMatchObject({kind: 'run', as: 'alice'});
    const w = p.actions[3] as Extract<Action, {kind: 'file.write'}>;
    expect(w).toMatchObject({mode: 0o600, as: 'alice', content: block(ALICE)});
    expect(w.owner).toBeUndefined();
  });

  it('plans nothing when the server already matches the file', () => {
    const done = (name: string, key: string, groups: string) =>
      `P ${name}:x:1001:1001::/home/${name}:/bin/bash\nS *:\nG ${groups}\nD\nF authorized_keys\nK ${b64(block(key))}\nC 0`;
    const p = plan(
      twoMembers,
      {alice: done('alice', ALICE, 'alice developers'), bob: done('bob', BOB, 'bob')},
      'developers',
    );
    expect(p.actions).toEqual([]);
  });

  it('locks a member who left, removes their keys and ends their processes; once done, nothing more', () => {
    const file = `members:\n  - name: alice\n    state: left\n`;
    const live = `P alice:x:1001:1001::/home/alice:/bin/bash\nS *:\nG alice\nD\nF authorized_keys\nF authorized_keys2\nK ${b64(block(ALICE))}\nC 3`;
    const p = plan(file, {alice: live});
    expect(labels(p.actions)).toEqual([
      'usermod -L -e 1 alice',
      'rm /home/alice/.ssh/authorized_keys',
      'rm /home/alice/.ssh/authorized_keys2',
      expect.stringMatching(/^sh -c pkill -TERM -u "\$1".* sh alice$/),
    ]);
    const locked = 'P alice:x:1001:1001::/home/alice:/bin/bash\nS !*:1\nG alice\nD\nC 0';
    expect(plan(file, {alice: locked}).actions).toEqual([]);
    expect(plan(file, {alice: 'NONE'}).findings.map((f) => f.message)).toContain(
      'alice has left and has no account on this server',
    );
  });

  it('reactivates a member who comes back', () => {
    const locked = `P alice:x:1001:1001::/home/alice:/bin/bash\nS !*:1\nG alice\nD\nC 0`;
    const p = plan(`members:\n  - name: alice\n    key: ${ALICE}\n`, {alice: locked});
    expect(labels(p.actions)).toContain('usermod -U -e  alice');
    expect(labels(p.actions)).toContain('file.write /home/alice/.ssh/authorized_keys');
  });

  it('warns about groups that are as good as root, and lets a member AllowUsers leaves out in through a drop-in', () => {
    const f = {...facts, ssh: {...facts.ssh, effective: {...facts.ssh.effective, allowusers: ['admin']}}};
    const values = {team_file: teamFile(`members:\n  - name: alice\n    key: ${ALICE}\n    groups: [sudo]\n`)};
    const p = team.plan({
      facts: f,
      params: paramsFor(team, values, f),
      probe: {files: {}, queries: {team_alice: {code: 0, out: 'NONE'}, team_groups: {code: 0, out: 'sudo'}}},
      access: {user: 'root', host: '203.0.113.5', port: 22, kind: 'ssh'},
    });
    const warns = p.findings.filter((x) => x.level === 'warn').map((x) => x.message);
    expect(warns).toContain('alice gets group(s) sudo: as good as root on most servers');
    const dropin = p.actions.find((a) => a.kind === 'file.write' && a.path.endsWith('01-portcullis-team.conf'));
    expect(dropin).toMatchObject({content: expect.stringMatching(/\nAllowUsers alice\n$/)});
  });

  it('refuses an active member whose authorized_keys is a link, and never reads through it', () => {
    const linked = `P alice:x:1001:1001::/home/alice:/bin/bash\nS *:\nG alice\nD\nA authorized_keys\nF authorized_keys\nC 0`;
    const p = plan(`members:\n  - name: alice\n    key: ${ALICE}\n`, {alice: linked});
    expect(p.actions).toEqual([]);
    expect(p.findings.map((f) => f.message)).toContain(
      "alice's ~/.ssh/authorized_keys is a symbolic link; portcullis never reads or writes through one (check the account by hand)",
    );
  });

  it('still locks a member who left and planted links; their key files are removed as themselves', () => {
    const linked = `P alice:x:1001:1001::/home/alice:/bin/bash\nS *:\nG alice\nL\nA authorized_keys2\nF authorized_keys\nF authorized_keys2\nC 0`;
    const p = plan(`members:\n  - name: alice\n    state: left\n`, {alice: linked});
    expect(p.findings.filter((f) => f.level === 'error')).toEqual([]);
    expect(labels(p.actions)).toEqual([
      'usermod -L -e 1 alice',
      'rm /home/alice/.ssh/authorized_keys',
      'rm /home/alice/.ssh/authorized_keys2',
    ]);
    for (const a of p.actions.filter((x) => x.kind === 'file.remove')) expect(a).toMatchObject({as: 'alice'});
  });

  it('refuses without a team file', () => {
    const p = team.plan({
      facts,
      params: paramsFor(team, {}, facts),
      probe: {files: {}, queries: {}},
      access: {user: 'root', host: '203.0.113.5', port: 22, kind: 'ssh'},
    });
    expect(p.findings[0]?.message).toMatch(/team_file is not set/);
  });
});

describe('team peers', () => {
  it('adds a peer per active member and revokes the peers of members who left', () => {
    const values = {
      team_file: teamFile(`members:\n  - name: alice\n    state: left\n  - name: bob\n    key: ${BOB}\n`),
      wg_subnet: '10.66.0.0/24',
    };
    expect(teamPeers(teamOf(values.team_file))).toEqual({add: ['bob'], remove: ['alice']});
    const wg = wgParams(runValues(values, facts), facts, runOf({...values, target_host: 'vps-team-test-host'}));
    expect(wg.add).toEqual(['operator', 'bob']);
    expect(wg.remove).toEqual(['alice']);
  });
});

describe('a left member that is the login account', () => {
  it('team-onboarding refuses before its first step: the wireguard step never revokes the peer', async () => {
    const {fakeTarget} = await import('../helpers/fake-target.js');
    const {applyRunbook} = await import('../../src/engine/runbook.js');
    const {LocalJournal} = await import('../../src/engine/journal.js');
    const {InputError} = await import('../../src/util/errors.js');
    const {stepsFor} = await import('../../steps/index.js');
    const {target, scripts} = fakeTarget();
    // The server says this session logs in as deploy (a bare TARGET host: the user came from ssh_config).
    const asDeploy = {...facts, operator: {...facts.operator, loginUser: 'deploy'}};
    const run = applyRunbook({
      target,
      facts: asDeploy,
      steps: stepsFor(['preflight', 'wireguard', 'team']),
      values: runValues({
        team_file: teamFile(`members:\n  - name: deploy\n    state: left\n  - name: alice\n    key: ${ALICE}\n`),
      }),
      runId: 'RUN',
      journal: new LocalJournal(join(dir, 'journal.jsonl')),
      events: () => {},
      confirm: async () => true,
      lock: false,
    });
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(/deploy is the account this run logs in as .*would lock you out/);
    // No step segment ran: nothing was revoked, written or installed.
    expect(scripts.filter((s) => s.includes('pcfail'))).toEqual([]);
  });
});
