import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it, vi} from 'vitest';
import {main} from '../../src/cli/main.js';
import type {Facts} from '../../src/core/facts.js';
import type {ProbeData, Step, StepPlan} from '../../src/core/types.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {loadRecipe, parseRecipe, parseSets} from '../../src/recipes/load.js';
import {valuesSchema} from '../../src/recipes/schema.js';
import {loadTeamFile, parseTeam} from '../../src/team/team-file.js';
import {InputError} from '../../src/util/errors.js';
import {lockdown} from '../../steps/lockdown/index.js';
import {type TeamParams, team as teamStep} from '../../steps/team/index.js';
import {wgParams} from '../../steps/wireguard.js';
import {hostileCases, materialize} from '../helpers/hostile-cases.js';
import {paramsFor, runOf, runValues} from '../helpers/run-values.js';

/**
 * Hostile inputs: every one is refused with a message that says what and where, by the recipe loader,
 * the team-file loader, or a step's params/plan, before anything runs on a target. A plan refusal is an
 * error finding with no actions (the engine stops there and changes nothing).
 */
const dir = mkdtempSync(join(tmpdir(), 'pc-hostile-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const ALICE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFluB7SM+95GnvCAj98c+Cszy+T1lczv9Vyqbo99+UVJ alice@laptop';
const BOB = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICisLNTxK2NaMA7MKh9nh9XzMB2zIL8nypHp30mrNKO+ bob';
/** An RSA type with an ed25519 blob: the embedded type does not match. */
const MISMATCH = `ssh-rsa ${ALICE.split(' ')[1]} alice`;

const recipe = (values: string) =>
  parseRecipe(`name: x\ndescription: y\nsteps: [preflight]\nvalues:\n${values}\n`, 'r.yaml');
const team = (text: string) => parseTeam(text, 't.yaml');
const one = (fields: string) => team(`members:\n  - name: alice\n${fields}\n`);
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

/** Plans a step against given probe data; a refusal becomes a throw with the error findings' messages. */
function refusal<P>(step: Step<P>, facts: Facts, values: Record<string, unknown>, probe: Partial<ProbeData> = {}) {
  const params = paramsFor(step, values, facts);
  const plan: StepPlan = step.plan({
    facts,
    params,
    probe: {files: probe.files ?? {}, queries: probe.queries ?? {}},
    access: {user: facts.operator.loginUser, host: '203.0.113.5', port: 22, kind: 'ssh'},
  });
  const errors = plan.findings.filter((f) => f.level === 'error');
  if (errors.length) {
    expect(plan.actions).toEqual([]);
    throw new InputError(errors.map((f) => f.message).join('; '));
  }
  return plan;
}

const debian = profileFacts('debian-12');
const ufwActive: Facts = {...debian, firewall: {...debian.firewall, active: 'ufw', ufw: 'active'}};
const WG_CONF_TEXT =
  '# Managed by portcullis. The private key lives in /etc/wireguard/wg0.key (0600) and is loaded by PostUp;\n[Interface]\nAddress = 10.66.0.1/24\nListenPort = 51820\n';
const withTunnel: Partial<ProbeData> = {files: {'/etc/wireguard/wg0.conf': {exists: true, content: WG_CONF_TEXT}}};
const teamAs = (user: string): Facts => ({...debian, operator: {...debian.operator, loginUser: user}});
const account = (out: string) => ({queries: {team_uid_min: {code: 0, out: '1000'}, team_alice: {code: 0, out}}});

interface Case {
  name: string;
  run: () => unknown;
  error: RegExp;
}

const cases: Case[] = [
  // Recipe loader: newline and quote injection in every string field.
  {
    name: 'recipe name with a newline',
    run: () => parseRecipe('name: "x\\nrm"\ndescription: y\nsteps: [preflight]\n', 'r.yaml'),
    error: /^r\.yaml:1:7: name: lowercase letters, digits and -$/,
  },
  {
    name: 'recipe name with a quote',
    run: () => parseRecipe('name: "x\'; reboot"\ndescription: y\nsteps: [preflight]\n', 'r.yaml'),
    error: /^r\.yaml:1:7: name: lowercase letters/,
  },
  {
    name: 'description with a newline',
    run: () => parseRecipe('name: x\ndescription: "a\\nb"\nsteps: [preflight]\n', 'r.yaml'),
    error: /^r\.yaml:2:14: description: must be one line without control characters$/,
  },
  {
    name: 'step name with a newline',
    run: () => parseRecipe('name: x\ndescription: y\nsteps: ["preflight\\nlockdown"]\n', 'r.yaml'),
    error: /^r\.yaml:3:9: steps\.0: /,
  },
  {
    name: 'step name with path traversal',
    run: () => parseRecipe('name: x\ndescription: y\nsteps: ["../../steps/evil"]\n', 'r.yaml'),
    error: /^r\.yaml:3:9: steps\.0: /,
  },
  {
    name: 'admin_user with a newline',
    run: () => recipe('  admin_user: "admin\\nroot"'),
    error: /^r\.yaml:5:15: values\.admin_user: a login name/,
  },
  {
    name: 'admin_user with a quote',
    run: () => recipe(`  admin_user: "adm'in"`),
    error: /values\.admin_user: a login name/,
  },
  {
    name: 'admin_key with a second key on a new line',
    run: () => recipe(`  admin_key: "${ALICE}\\n${BOB}"`),
    error: /values\.admin_key: must be one line without control characters/,
  },
  {
    name: 'admin_password with a quote and a newline',
    run: () => recipe('  admin_password: "pw\\"\\nPermitRootLogin yes"'),
    error: /values\.admin_password: must be one line/,
  },
  {
    name: 'admin_sudo outside its words',
    run: () => recipe('  admin_sudo: "nopasswd\\n"'),
    error: /values\.admin_sudo: Invalid option/,
  },
  {
    name: 'allow_users entry with a newline',
    run: () => recipe('  allow_users: ["bob\\nroot"]'),
    error: /^r\.yaml:5:17: values\.allow_users\.0: /,
  },
  {
    name: 'public_ports entry with a command',
    run: () => recipe('  public_ports: ["443/tcp; reboot"]'),
    error: /values\.public_ports\.0: like 443\/tcp/,
  },
  {
    name: 'peer name with path traversal',
    run: () => recipe('  peers: ["../../etc/passwd"]'),
    error: /values\.peers\.0: a peer name/,
  },
  {
    name: 'peers_remove entry with a newline',
    run: () => recipe('  peers_remove: ["a\\nb"]'),
    error: /values\.peers_remove\.0: a peer name/,
  },
  {
    name: 'fail2ban_bantime with a newline',
    run: () => recipe('  fail2ban_bantime: "1d\\nignoreip = 0.0.0.0/0"'),
    error: /values\.fail2ban_bantime: /,
  },
  {
    name: 'evidence_dir relative (traversal)',
    run: () => recipe('  evidence_dir: "../../etc"'),
    error: /values\.evidence_dir: an absolute directory path/,
  },
  {
    name: 'evidence_dir with a newline',
    run: () => recipe('  evidence_dir: "/tmp/x\\ny"'),
    error: /values\.evidence_dir: must be one line/,
  },
  {
    name: 'team_file with a newline',
    run: () => recipe('  team_file: "/tmp/team.yaml\\n"'),
    error: /values\.team_file: must be one line/,
  },
  {
    name: 'ban entry with a command',
    run: () => recipe('  ban: ["192.0.2.1; reboot"]'),
    error: /^r\.yaml:5:9: values\.ban\.0: an IPv4 or IPv6 address$/,
  },
  {
    name: 'ban entry that is a network',
    run: () => recipe('  ban: ["192.0.2.0/24"]'),
    error: /values\.ban\.0: an IPv4 or IPv6 address/,
  },
  {
    name: 'ban entry out of range',
    run: () => recipe('  ban: ["300.1.1.1"]'),
    error: /values\.ban\.0: an IPv4 or IPv6 address/,
  },
  {
    name: 'lockdown_allow_from with a bad prefix',
    run: () => recipe('  lockdown_allow_from: ["10.0.0.0/33"]'),
    error: /values\.lockdown_allow_from\.0: an IPv4 or IPv6 address or network/,
  },
  {
    name: 'docker_allow_from with a newline',
    run: () => recipe('  docker_allow_from: ["10.0.0.1\\n0.0.0.0/0"]'),
    error: /values\.docker_allow_from\.0: an IPv4 or IPv6 address or network/,
  },
  {
    name: 'docker_allow_from that is IPv6 (Docker DNATs IPv4 only)',
    run: () => recipe('  docker_allow_from: ["2001:db8::1"]'),
    error: /values\.docker_allow_from\.0: docker_allow_from 2001:db8::1: give an IPv4 address or network/,
  },
  {
    name: 'lockdown_allow_from with a newline',
    run: () => recipe('  lockdown_allow_from: ["10.0.0.1\\n0.0.0.0/0"]'),
    error: /values\.lockdown_allow_from\.0: an IPv4 or IPv6 address or network/,
  },
  // Ports.
  {name: 'ssh_port 0', run: () => recipe('  ssh_port: 0'), error: /^r\.yaml:5:13: values\.ssh_port: Too small/},
  {name: 'ssh_port 65536', run: () => recipe('  ssh_port: 65536'), error: /values\.ssh_port: Too big/},
  {
    name: 'ssh_port "22abc"',
    run: () => recipe('  ssh_port: "22abc"'),
    error: /^r\.yaml:5:13: values\.ssh_port: expected number$/,
  },
  {name: 'wg_port not a whole number', run: () => recipe('  wg_port: 51820.5'), error: /values\.wg_port: expected int/},
  {
    name: '--set ssh_port=22abc',
    run: () => parseSets(['ssh_port=22abc']),
    error: /^--set ssh_port=22abc: expected a whole number$/,
  },
  {name: '--set ssh_port=65536', run: () => parseSets(['ssh_port=65536']), error: /^--set ssh_port=65536: Too big/},
  // Wrong YAML types.
  {
    name: 'terminate_sessions as a word',
    run: () => recipe('  terminate_sessions: "yes"'),
    error: /values\.terminate_sessions: expected boolean/,
  },
  {name: 'ban as a string, not a list', run: () => recipe('  ban: 192.0.2.1'), error: /values\.ban: expected array/},
  {name: 'evidence_days of 0', run: () => recipe('  evidence_days: 0'), error: /values\.evidence_days: Too small/},
  {
    name: 'values as a list',
    run: () => parseRecipe('name: x\ndescription: y\nsteps: [preflight]\nvalues: [1, 2]\n', 'r.yaml'),
    error: /^r\.yaml:4:9: values: expected object$/,
  },
  {name: 'an unknown value', run: () => recipe('  bogus: 1'), error: /values: unknown key\(s\) bogus/},
  {
    name: '--set ban with a bad entry',
    run: () => parseSets(['ban=192.0.2.1,not-an-ip']),
    error: /^--set ban=192\.0\.2\.1,not-an-ip: an IPv4 or IPv6 address$/,
  },
  {
    name: '--set team_file with a newline',
    run: () => parseSets(['team_file=/tmp/t\n']),
    error: /--set team_file: the value contains a newline/,
  },
  // Size.
  {
    name: 'a 10 MB recipe',
    run: () => loadRecipe(file('big.yaml', `name: x\ndescription: "${'a'.repeat(10 * 1024 * 1024)}"\n`)),
    error: /big\.yaml: a recipe larger than 1 MiB is refused/,
  },
  {
    name: 'a 10 MB team file',
    run: () => loadTeamFile(file('big-team.yaml', `members: []\n#${'a'.repeat(10 * 1024 * 1024)}\n`)),
    error: /team file .*big-team\.yaml is larger than 1 MiB and is refused/,
  },
  // Team file: names, keys, groups, duplicates, types.
  {
    name: 'member name with path traversal',
    run: () => team(`members:\n  - name: "../root"\n    key: ${ALICE}\n`),
    error: /^t\.yaml:2:11: members\.0\.name: "\.\.\/root" is not a member name/,
  },
  {
    name: 'member name with a command',
    run: () => team(`members:\n  - name: "al$(reboot)"\n    key: ${ALICE}\n`),
    error: /members\.0\.name: "al\$\(reboot\)" is not a member name/,
  },
  {
    name: 'member name with a newline',
    run: () => team(`members:\n  - name: "alice\\nroot"\n    key: ${ALICE}\n`),
    error: /members\.0\.name: "alice\\nroot" is not a member name/,
  },
  {
    name: 'member name in capitals',
    run: () => team(`members:\n  - name: Alice\n    key: ${ALICE}\n`),
    error: /members\.0\.name: "Alice" is not a member name/,
  },
  {
    name: 'member named root',
    run: () => team(`members:\n  - name: root\n    key: ${ALICE}\n`),
    error: /members\.0\.name: root is a system account, not a team member/,
  },
  {
    name: 'key with a second key injected',
    run: () => one(`    key: "${ALICE}\\n${BOB}"`),
    error: /^t\.yaml:3:10: members\.0\.key: the key of alice must not contain newlines or control characters$/,
  },
  {
    name: 'key with an options prefix',
    run: () => one(`    key: 'command="/bin/sh" ${ALICE}'`),
    error: /members\.0\.key: the key of alice is not an OpenSSH public key line/,
  },
  {
    name: 'key whose blob is another type',
    run: () => one(`    key: ${MISMATCH}`),
    error: /members\.0\.key: the key of alice has a key blob that does not match its type ssh-rsa/,
  },
  {
    name: 'key comment with a quote',
    run: () => one(`    key: "${ALICE.replace('alice@laptop', `x'$(id)`)}"`),
    error: /members\.0\.key: the key of alice has a comment with characters other than/,
  },
  {
    name: 'group with path traversal',
    run: () => one(`    key: ${ALICE}\n    groups: ["../wheel"]`),
    error: /^t\.yaml:4:14: members\.0\.groups\.0: "\.\.\/wheel" is not a group name/,
  },
  {
    name: 'group with a newline',
    run: () => one(`    key: ${ALICE}\n    groups: ["sudo\\nroot"]`),
    error: /members\.0\.groups\.0: "sudo\\nroot" is not a group name/,
  },
  {
    name: 'the root group',
    run: () => one(`    key: ${ALICE}\n    groups: [root]`),
    error: /members\.0\.groups\.0: the root group is never given/,
  },
  {
    name: 'groups as a string',
    run: () => one(`    key: ${ALICE}\n    groups: sudo`),
    error: /members\.0\.groups: expected array/,
  },
  {
    name: 'duplicate member (peer) names',
    run: () => team(`members:\n  - name: alice\n    key: ${ALICE}\n  - name: alice\n    key: ${BOB}\n`),
    error: /^t\.yaml:4:11: members\.1\.name: alice is listed twice/,
  },
  {
    name: 'two members with one key',
    run: () => team(`members:\n  - name: alice\n    key: ${ALICE}\n  - name: bob\n    key: ${ALICE}\n`),
    error: /members\.1\.key: bob has the same key as alice/,
  },
  {
    name: 'state outside its words',
    run: () => one(`    key: ${ALICE}\n    state: gone`),
    error: /members\.0\.state: expected one of active, left/,
  },
  {
    name: 'an unknown member field',
    run: () => one(`    key: ${ALICE}\n    shell: /bin/sh`),
    error: /members\.0: unknown key\(s\) shell/,
  },
  {
    name: 'an active member without a key',
    run: () => one('    groups: [developers]'),
    error: /members\.0\.name: alice needs key:/,
  },
  {name: 'key as a number', run: () => one('    key: 123'), error: /members\.0\.key: expected string/},
  {
    name: 'members as a map',
    run: () => team('members:\n  alice: x\n'),
    error: /^t\.yaml:2:3: members: expected array$/,
  },
  {
    name: 'a team file that is a list',
    run: () => team('- alice\n'),
    error: /^t\.yaml:1:1: team file: expected object$/,
  },
  {
    name: 'a YAML alias bomb',
    run: () =>
      team(
        `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
          {length: 8},
          (_, i) =>
            `${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [${Array(10)
              .fill(i ? `*${'b'.repeat(i)}` : '*a')
              .join(', ')}]`,
        ).join('\n')}\nmembers: []\n`,
      ),
    error: /^t\.yaml:\d+:\d+: .*(alias|resource)/i,
  },
  {
    name: 'a duplicated YAML key',
    run: () => team(`members: []\nmembers: []\n`),
    error: /^t\.yaml:1:1: Map keys must be unique/,
  },
  {name: 'a team file that is a directory', run: () => loadTeamFile(dir), error: /team file .* is not a regular file/},
  {
    name: 'a team file that does not exist',
    run: () => loadTeamFile(join(dir, 'nope.yaml')),
    error: /cannot read team file .*nope\.yaml: ENOENT/,
  },
  // Step params and plans.
  {
    name: 'wg_subnet that is no network',
    run: () => wgParams(runValues({wg_subnet: '10.66.0.0/33'}, debian), debian, runOf({target_host: 'vps'})),
    error: /wg_subnet/,
  },
  {
    name: 'lockdown_allow_from that lets everyone in',
    run: () => paramsFor(lockdown, {lockdown_allow_from: ['0.0.0.0/0']}, debian),
    error: /lockdown_allow_from entry "0\.0\.0\.0\/0" lets in \(almost\) everyone/,
  },
  {
    name: 'docker_allow_from that lets everyone in (reaching the step directly)',
    run: () => parseSets(['docker_allow_from=0.0.0.0/1']),
    error: /docker_allow_from 0\.0\.0\.0\/1: lets in \(almost\) everyone/,
  },
  {
    name: 'ban list with a network (reaching the step directly)',
    run: () => paramsFor(lockdown, {ban: ['10.0.0.0/8']}, debian),
    error: /ban entry "10\.0\.0\.0\/8" is a network; ban single addresses/,
  },
  {
    name: 'ban of the operator',
    run: () => refusal(lockdown, ufwActive, {ban: ['198.51.100.7']}),
    error: /ban 198\.51\.100\.7 is inside 198\.51\.100\.7 \(your own address\)/,
  },
  {
    name: 'ban inside the tunnel subnet',
    run: () => refusal(lockdown, ufwActive, {ban: ['10.66.0.9']}, withTunnel),
    error: /ban 10\.66\.0\.9 is inside 10\.66\.0\.0\/24 \(the tunnel subnet\)/,
  },
  {
    name: 'ban of loopback',
    run: () => refusal(lockdown, ufwActive, {ban: ['127.0.0.1']}),
    error: /ban 127\.0\.0\.1 is this server's loopback/,
  },
  {
    name: "ban of the server's own address",
    run: () => refusal(lockdown, ufwActive, {ban: ['203.0.113.5']}),
    error: /ban 203\.0\.113\.5 is one of this server's own addresses/,
  },
  {
    name: 'a team marking the operator as left',
    run: () =>
      refusal(
        team_(),
        teamAs('admin'),
        {team_file: file('self.yaml', 'members:\n  - name: admin\n    state: left\n')},
        {
          queries: {
            team_uid_min: {code: 0, out: '1000'},
            team_admin: {code: 0, out: 'P admin:x:1000:1000::/home/admin:/bin/bash\nS $y:\nG admin sudo\nC 1'},
          },
        },
      ),
    error: /admin is the account this run logs in as .* would lock you out/,
  },
  {
    name: 'a team member that is a system account',
    run: () =>
      refusal(
        team_(),
        debian,
        {team_file: file('sys.yaml', `members:\n  - name: alice\n    key: ${ALICE}\n`)},
        account('P alice:x:100:100::/var/lib/alice:/usr/sbin/nologin\nS *:\nG alice\nC 0'),
      ),
    error: /alice is a system account on the server \(uid 100\)/,
  },
  {
    name: 'a member whose ~/.ssh is a symbolic link',
    run: () =>
      refusal(
        team_(),
        debian,
        {team_file: file('link.yaml', `members:\n  - name: alice\n    key: ${ALICE}\n`)},
        account('P alice:x:1001:1001::/home/alice:/bin/bash\nS *:\nG alice\nL\nD\nC 0'),
      ),
    error: /alice's home or ~\/\.ssh is a symbolic link/,
  },
];

function team_(): Step<TeamParams> {
  return teamStep;
}

describe('hostile recipes, values and team files', () => {
  it('has the cases the issue asks for (30 or more)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)('$name', ({run, error}) => {
    let thrown: unknown;
    try {
      run();
    } catch (e) {
      thrown = e;
    }
    expect(thrown, 'it was accepted').toBeInstanceOf(InputError);
    const message = (thrown as Error).message;
    expect(message).toMatch(error);
    // One readable sentence: no stack, no newline, no zod dump.
    expect(message).not.toMatch(/\n|ZodError|at .*\.ts:\d+/);
  });

  it('the same team file without the hostile bits is accepted', () => {
    mkdirSync(join(dir, 'ok'), {recursive: true});
    const t = loadTeamFile(
      file(
        'ok/team.yaml',
        `members:\n  - name: alice\n    key: ${ALICE}\n    groups: [developers]\n  - name: bob\n    state: left\n`,
      ),
    );
    expect(t.members).toEqual([
      {name: 'alice', key: ALICE, groups: ['developers'], state: 'active'},
      {name: 'bob', key: undefined, groups: [], state: 'left'},
    ]);
  });
});

/**
 * The same refusals as the operator meets them: the CLI in-process, exit 2 and one readable line, and no
 * connection attempted (any target the CLI would open is recorded here and refused).
 */
const contacted = vi.hoisted(() => [] as string[]);
vi.mock('../../src/target/ssh-target.js', () => ({
  SshTarget: {
    create: async (o: {endpoint: {host: string}}) => {
      contacted.push(`ssh ${o.endpoint.host}`);
      throw new Error('test: the CLI connected to a target');
    },
  },
}));
vi.mock('../../src/target/local-target.js', () => ({
  LocalTarget: class {
    constructor() {
      contacted.push('local');
      throw new Error('test: the CLI ran on this machine');
    }
  },
}));

describe('hostile input at every entry point of the CLI: exit 2, one line, nothing contacted', () => {
  const cli = hostileCases();
  const cliDir = mkdtempSync(join(tmpdir(), 'pc-hostile-cli-'));
  afterAll(() => rmSync(cliDir, {recursive: true, force: true}));

  it('covers every entry point with 150 or more cases', () => {
    expect(cli.length).toBeGreaterThanOrEqual(150);
    expect(new Set(cli.map((c) => c.name)).size).toBe(cli.length);
    // Every key of the values schema (every recipe's keys) has at least one bad --set.
    const keys = Object.keys(valuesSchema.shape);
    const setKeys = new Set(
      cli.flatMap((c) => c.argv.filter((_, i) => c.argv[i - 1] === '--set').map((kv) => kv.split('=')[0])),
    );
    for (const k of keys) expect(setKeys.has(k), k).toBe(true);
    for (const cmd of ['apply', 'plan', 'rollback', 'status', 'peers'])
      expect(
        cli.some((c) => c.argv[0] === cmd && c.name.includes('TARGET')),
        cmd,
      ).toBe(true);
  });

  it.each(cli)('$name', async (c) => {
    const argv = materialize(c, cliDir);
    contacted.length = 0;
    let err = '';
    let out = '';
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err += String(s);
      return true;
    });
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out += String(s);
      return true;
    });
    let code: number;
    try {
      code = await main(argv);
    } finally {
      e.mockRestore();
      o.mockRestore();
    }
    expect(contacted, err).toEqual([]);
    expect({code, err}).toMatchObject({code: 2});
    expect(out).toBe('');
    // One readable line: `portcullis: ` and the reason, no stack, no zod dump, no second line.
    expect(err).toMatch(/^portcullis: [^\n]+\n$/);
    expect(err).not.toMatch(/ZodError|\bat .*\.[jt]s:\d+|\[object Object\]|undefined/);
    expect(err.slice('portcullis: '.length)).toMatch(c.error);
  });
});
