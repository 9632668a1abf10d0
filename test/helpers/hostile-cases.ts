import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

/**
 * Hostile input at every entry point of the CLI: TARGET, every `--set` key of every recipe, recipe,
 * answers and team files, peer names, `--confirm-timeout`, `--ssh-config`. Each must end in exit 2 with
 * one readable line, before anything connects (so nothing on any target changes). The unit table runs
 * them in-process with targets that record any connection; the e2e runs those that reach `apply`
 * against the sandbox VPS and compares hashes of /etc before and after.
 */
export interface HostileCase {
  name: string;
  /** argv after `portcullis`; `{dir}` is a scratch directory holding `files`. */
  argv: string[];
  /** Files to create in `{dir}` first (name -> content). */
  files?: Record<string, string>;
  /** The one line on stderr, after `portcullis: `. */
  error: RegExp;
}

/** The sandbox VPS; in unit tests nothing is ever contacted. */
export const VPS = 'root@192.0.2.10';

const ALICE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFluB7SM+95GnvCAj98c+Cszy+T1lczv9Vyqbo99+UVJ alice@laptop';
const BOB = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICisLNTxK2NaMA7MKh9nh9XzMB2zIL8nypHp30mrNKO+ bob';

const apply = (...rest: string[]) => ['apply', VPS, '--yes', ...rest];
const set = (kv: string) => apply('--set', kv);

/** A YAML document whose aliases expand to 10^9 nodes. */
const ALIAS_BOMB = `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
  {length: 8},
  (_, i) =>
    `${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [${Array(10)
      .fill(i ? `*${'b'.repeat(i)}` : '*a')
      .join(', ')}]`,
).join('\n')}\n`;

const recipeFile = (steps: string, values = '') =>
  `name: x\ndescription: y\nsteps: [${steps}]\n${values ? `values:\n${values}\n` : ''}`;

function targetCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  const missing = /no TARGET: name the server as user@host\[:port\], or pass --local/;
  const empty = /an empty TARGET: name the server as user@host\[:port\], or pass --local/;
  for (const [cmd, pre] of [
    ['apply', ['apply']],
    ['apply --yes', ['apply', '--yes']],
    ['plan', ['plan']],
    ['rollback', ['rollback']],
    ['status', ['status']],
    ['peers add', ['peers', 'add', 'bob']],
    ['peers remove', ['peers', 'remove', 'bob']],
    ['peers list', ['peers', 'list']],
    ['peers show', ['peers', 'show', 'bob']],
  ] as const) {
    cases.push({name: `${cmd} without TARGET`, argv: [...pre], error: missing});
    cases.push({name: `${cmd} with an empty TARGET`, argv: [...pre, ''], error: empty});
  }
  cases.push({name: 'apply with a blank TARGET', argv: ['apply', '  ', '--yes'], error: empty});
  cases.push({
    name: 'apply with a TARGET and --local',
    argv: ['apply', VPS, '--local', '--yes'],
    error: /give either a TARGET or --local, not both/,
  });
  cases.push({
    name: 'apply with an empty TARGET and --local',
    argv: ['apply', '', '--local', '--yes'],
    error: /give either a TARGET or --local, not both/,
  });
  const bad: [string, string, RegExp][] = [
    ['an ssh option', '-oProxyCommand=sh', /unknown option '-oProxyCommand=sh'/],
    ['no host', 'root@', /has no host/],
    ['no user before @', '@192.0.2.10', /target user "" is not a valid login name/],
    ['a user in capitals', 'Root@192.0.2.10', /target user "Root" is not a valid login name/],
    ['a user with a space', 'ro ot@192.0.2.10', /target user "ro ot" is not a valid login name/],
    ['port 0', 'root@192.0.2.10:0', /target port 0 is out of range/],
    ['port 65536', 'root@192.0.2.10:65536', /target port 65536 is out of range/],
    ['port with letters', 'root@192.0.2.10:22abc', /target port "22abc" is not a port number/],
    ['a command in the host', 'root@host;reboot', /target host "host;reboot" is not a host name/],
    ['a substitution in the host', 'root@$(id)', /target host "\$\(id\)" is not a host name/],
    ['a newline in the host', 'root@host\nProxyCommand sh', /is not a host name/],
    ['a host starting with -', 'root@-oProxyCommand', /target host "-oProxyCommand" is not a host name/],
    ['empty host labels', 'root@a..b', /target host "a\.\.b" is not a host name/],
    ['an IPv6 literal with empty groups', 'root@[:::]', /target host ":::" is not a host name/],
    ['an IPv6 literal 1:::2', 'root@[1:::2]:22', /target host "1:::2" is not a host name/],
    ['an unclosed IPv6 bracket', 'root@[2001:db8::1', /is not a host name/],
    ['a host name of 300 characters', `root@${'a'.repeat(300)}`, /is not a host name/],
  ];
  for (const [what, spec, error] of bad)
    cases.push({name: `TARGET with ${what}`, argv: ['apply', spec, '--yes'], error});
  cases.push({
    name: 'TARGET that is an ssh option after --',
    argv: ['apply', '--yes', '--', '-oProxyCommand=sh'],
    error: /target "-oProxyCommand=sh" looks like an option/,
  });
  cases.push({
    name: 'status with a TARGET that is an option',
    argv: ['status', '-oProxyCommand=sh'],
    error: /unknown option|looks like an option/,
  });
  cases.push({
    name: 'rollback --to a step that does not exist (a typo must never mean "everything")',
    argv: ['rollback', VPS, '--to', 'firewal', '--yes'],
    error: /--to: there is no step "firewal"/,
  });
  cases.push({
    name: 'rollback with a command in the host',
    argv: ['rollback', 'root@h;reboot'],
    error: /target host "h;reboot" is not a host name/,
  });
  return cases;
}

/** One or more bad values for every key of the values schema (every recipe's keys). */
function setCases(): HostileCase[] {
  const s: [string, RegExp][] = [
    ['admin_user=Root', /--set admin_user=Root: a login name/],
    ['admin_user=admin;reboot', /--set admin_user=admin;reboot: a login name/],
    ['admin_user=', /--set admin_user=: a login name/],
    ['admin_key=ssh-ed25519 AAAA', /--set admin_key=ssh-ed25519 AAAA: admin_key has a key blob that does not match/],
    ['admin_key=not a key', /--set admin_key=not a key: admin_key is not an OpenSSH public key line/],
    [`admin_key=command="sh" ${ALICE}`, /admin_key is not an OpenSSH public key line/],
    ['admin_sudo=yes', /--set admin_sudo=yes: Invalid option/],
    ['admin_password=a\u0007b', /--set admin_password: the value contains a newline or control character/],
    ['ssh_port=0', /--set ssh_port=0: Too small/],
    ['ssh_port=65536', /--set ssh_port=65536: Too big/],
    ['ssh_port=-1', /--set ssh_port=-1: expected a whole number/],
    ['ssh_port=22 ', /--set ssh_port=22 : expected a whole number/],
    ['permit_root_login=yes', /--set permit_root_login=yes: Invalid option/],
    ['password_authentication=yes', /--set password_authentication=yes: expected true or false/],
    ['allow_users=', /--set allow_users=: an empty list would drop the AllowUsers line/],
    ['allow_users=admin,Root', /--set allow_users=admin,Root: a login name/],
    ['allow_tcp_forwarding=1', /--set allow_tcp_forwarding=1: expected true or false/],
    ['allow_agent_forwarding=TRUE', /expected true or false/],
    ['x11_forwarding=no', /--set x11_forwarding=no: expected true or false/],
    ['max_auth_tries=0', /--set max_auth_tries=0: Too small/],
    ['max_auth_tries=21', /--set max_auth_tries=21: Too big/],
    ['client_alive_interval=3601', /--set client_alive_interval=3601: Too big/],
    ['client_alive_count_max=101', /--set client_alive_count_max=101: Too big/],
    ['modern_crypto=maybe', /--set modern_crypto=maybe: expected true or false/],
    ['confirm_timeout=9999', /--set confirm_timeout=9999: Too big/],
    ['confirm_timeout=10', /--set confirm_timeout=10: Too small/],
    ['public_ports=443', /--set public_ports=443: like 443\/tcp/],
    ['public_ports=443/tcp;reboot', /like 443\/tcp/],
    ['public_ports=0/tcp', /--set public_ports=0\/tcp: public_ports 0 is out of range \(1-65535\)/],
    ['public_ports=99999/udp', /--set public_ports=99999\/udp: public_ports 99999 is out of range/],
    ['tunnel_ports=8080/tcp;reboot', /--set tunnel_ports=8080\/tcp;reboot: like 8080\/tcp/],
    ['tunnel_ports=8080/tcp@../etc', /like 8080\/tcp, or 8080\/tcp@alice\+phone/],
    ['tunnel_ports=99999/tcp', /tunnel_ports 99999 is out of range/],
    ['wg_endpoint=$(reboot)', /--set wg_endpoint=\$\(reboot\): HOST or HOST:PORT/],
    ['wg_endpoint=vpn example', /HOST or HOST:PORT/],
    ['wg_endpoint=vpn.example.org:99999', /wg_endpoint 99999 is out of range/],
    [`admin_password=${'x'.repeat(300)}`, /admin_password is longer than 200 characters/],
    [
      'wg_subnet=0.0.0.0/0',
      /--set wg_subnet=0\.0\.0\.0\/0: wg_subnet 0\.0\.0\.0\/0: give an IPv4 network from \/8 to \/30/,
    ],
    ['wg_subnet=10.66.0.0/33', /--set wg_subnet=10\.66\.0\.0\/33: wg_subnet "10\.66\.0\.0\/33" is not a valid/],
    ['wg_subnet=10.66.0.1/24', /host bits are set \(did you mean 10\.66\.0\.0\/24\?\)/],
    ['wg_subnet=2001:db8::/64', /give an IPv4 network from \/8 to \/30/],
    ['wg_subnet=:::/64', /wg_subnet ":::\/64" is not a valid IPv4 or IPv6 network/],
    ['wg_subnet=10.0.0.0/7', /give an IPv4 network from \/8 to \/30/],
    ['wg_subnet=10.66.0.0/31', /give an IPv4 network from \/8 to \/30/],
    ['wg_subnet=10.66.0.0', /is not in CIDR form/],
    ['peers=../etc', /--set peers=\.\.\/etc: a peer name/],
    ['peers=a b', /--set peers=a b: a peer name/],
    ['peers_remove=-x', /--set peers_remove=-x: a peer name/],
    ['wg_port=0', /--set wg_port=0: Too small/],
    ['wg_port=70000', /--set wg_port=70000: Too big/],
    ['firewall_allow_wireguard=off', /expected true or false/],
    ['fail2ban_maxretry=0', /--set fail2ban_maxretry=0: Too small/],
    ['fail2ban_maxretry=101', /Too big/],
    ['fail2ban_findtime=1y', /--set fail2ban_findtime=1y: /],
    ['fail2ban_bantime=-1', /--set fail2ban_bantime=-1: /],
    ['fail2ban_bantime=0', /--set fail2ban_bantime=0: /],
    ['fail2ban_recidive=2', /expected true or false/],
    ['updates_reboot=yes', /expected true or false/],
    ['watch=1', /expected true or false/],
    ['watch_interval=0s', /--set watch_interval=0s: like 30s, 15m or 1h/],
    ['watch_interval=5m;reboot', /like 30s, 15m or 1h/],
    ['watch_interval=15d', /like 30s, 15m or 1h/],
    ['watch_webhook=ftp://x', /one http\(s\) URL without spaces or quotes/],
    ["watch_webhook=http://x/'$(id)'", /one http\(s\) URL without spaces or quotes/],
    ['watch_webhook=http://a b', /one http\(s\) URL without spaces or quotes/],
    ['evidence_dir=relative/dir', /--set evidence_dir=relative\/dir: an absolute directory path/],
    ['evidence_days=0', /--set evidence_days=0: Too small/],
    ['evidence_days=91', /--set evidence_days=91: Too big/],
    ['lockdown_allow_from=0.0.0.0/0', /lets in \(almost\) everyone/],
    ['docker_bind_localhost=yes', /--set docker_bind_localhost=yes: expected true or false/],
    ['docker_allow_from=0.0.0.0/0', /docker_allow_from 0\.0\.0\.0\/0: lets in \(almost\) everyone/],
    ['docker_allow_from=2001:db8::/64', /docker_allow_from 2001:db8::\/64: give an IPv4 address or network/],
    ['docker_allow_from=10.0.0.1;reboot', /an IPv4 or IPv6 address or network/],
    ['docker_allow_from=10.0.0.0/33', /an IPv4 or IPv6 address or network/],
    ['lockdown_allow_from=::/0', /lets in \(almost\) everyone/],
    ['lockdown_allow_from=:::', /an IPv4 or IPv6 address or network/],
    ['lockdown_allow_from=1:::2', /an IPv4 or IPv6 address or network/],
    ['lockdown_allow_from=10.0.0.0/33', /an IPv4 or IPv6 address or network/],
    ['ban=10.0.0.0/8', /--set ban=10\.0\.0\.0\/8: an IPv4 or IPv6 address/],
    ['ban=:::', /--set ban=:::: an IPv4 or IPv6 address/],
    ['ban=1:::2', /--set ban=1:::2: an IPv4 or IPv6 address/],
    ['ban=300.1.1.1', /an IPv4 or IPv6 address/],
    ['terminate_sessions=yes', /expected true or false/],
    [
      'service_unit=../x.service',
      /--set service_unit=\.\.\/x\.service: service_unit "\.\.\/x\.service" is not a service unit name/,
    ],
    ['service_unit=-x.service', /is not a service unit name/],
    ['service_unit=x.service;reboot', /is not a service unit name/],
    ['service_unit=x.socket', /is not a service unit name/],
    [
      'service_unit=ssh.service',
      /--set service_unit=ssh\.service: service_unit ssh\.service: a unit your way in or the system depends on/,
    ],
    [
      'harden_units=a.service,wg-quick@wg0.service',
      /harden_units entry wg-quick@wg0\.service: a unit your way in or the system depends on/,
    ],
    ['harden_units=systemd-logind.service', /a unit your way in or the system depends on is never sandboxed/],
    ['service_user=root', /--set service_user=root: root is no service account/],
    ['service_user=Agent', /--set service_user=Agent: a login name/],
    ['service_user=a b', /a login name/],
    ['service_shell=bash', /--set service_shell=bash: service_shell "bash" is not an absolute shell path/],
    ['service_shell=/bin/sh -c id', /is not an absolute shell path/],
    ['service_shell=/../bin/sh', /is not an absolute shell path/],
    ['service_port=0', /--set service_port=0: Too small/],
    ['service_port=65536', /--set service_port=65536: Too big/],
    [
      'service_health_path=healthz',
      /--set service_health_path=healthz: service_health_path "healthz" is not a URL path/,
    ],
    ["service_health_path=/a'b", /is not a URL path like \/healthz/],
    ['service_health_path=/a b', /is not a URL path like \/healthz/],
    [
      'sudo_commands=systemctl restart x',
      /--set sudo_commands=systemctl restart x: sudo_commands entry "systemctl restart x": give an absolute command path/,
    ],
    ['sudo_commands=/usr/bin/systemctl restart *', /give an absolute command path and plain arguments/],
    ['sudo_commands=/bin/sh:ALL', /give an absolute command path and plain arguments/],
    ['sudo_commands=/usr/bin/tee /etc/sudoers\\', /give an absolute command path and plain arguments/],
    ['sudo_commands=/usr/bin/../bin/sh', /give an absolute command path and plain arguments/],
    ['sudo_commands=/usr/bin/id  x', /give an absolute command path and plain arguments/],
    ['sudo_nopasswd_all=yes', /--set sudo_nopasswd_all=yes: expected true or false/],
    ['harden_units=x', /--set harden_units=x: harden_units entry "x" is not a service unit name/],
    ['harden_units=a.service,$(id).service', /harden_units entry "\$\(id\)\.service" is not a service unit name/],
    ['harden_network=none', /--set harden_network=none: Invalid option/],
    ['team_file={dir}/none.yaml', /cannot read team file .*none\.yaml: ENOENT/],
    ['team_file={dir}', /team file .* is not a regular file/],
    ['__proto__=', /--set __proto__: unknown key; known keys: admin_user/],
    ['toString=', /--set toString: unknown key/],
    ['constructor=x', /--set constructor: unknown key/],
    ['hasOwnProperty=1', /--set hasOwnProperty: unknown key/],
    ['recipe=x', /--set recipe: unknown key/],
    ['bogus=1', /--set bogus: unknown key/],
    ['=x', /--set "=x": write it as key=value/],
    ['ssh_port', /--set "ssh_port": write it as key=value/],
  ];
  return s.map(([kv, error]) => ({name: `--set ${kv}`, argv: set(kv), error}));
}

function recipeCases(): HostileCase[] {
  const r = (name: string, text: string, error: RegExp): HostileCase => ({
    name: `recipe file: ${name}`,
    argv: apply('--recipe', '{dir}/r.yaml'),
    files: {'r.yaml': text},
    error,
  });
  return [
    r(
      'wg_subnet 0.0.0.0/0 without the wireguard step',
      recipeFile('preflight, fail2ban', '  wg_subnet: 0.0.0.0/0'),
      /r\.yaml:5:14: values\.wg_subnet: wg_subnet 0\.0\.0\.0\/0: give an IPv4 network/,
    ),
    r(
      'wg_subnet 0.0.0.0/0 with the wireguard step after fail2ban',
      recipeFile('preflight, fail2ban, wireguard', '  wg_subnet: 0.0.0.0/0'),
      /values\.wg_subnet: wg_subnet 0\.0\.0\.0\/0/,
    ),
    r(
      'sudo_commands ALL without sudo_nopasswd_all',
      recipeFile('preflight, service-user', '  service_unit: a.service\n  service_user: agent\n  sudo_commands: [ALL]'),
      /sudo_commands ALL gives the service account root without a password: say so with sudo_nopasswd_all=true/,
    ),
    r('wg_subnet ":::/64"', recipeFile('preflight, fail2ban', '  wg_subnet: ":::/64"'), /values\.wg_subnet: /),
    r(
      'an empty allow_users',
      recipeFile('preflight, ssh-hardening', '  allow_users: []'),
      /values\.allow_users: an empty list would drop the AllowUsers line/,
    ),
    r(
      'an invalid admin_key',
      recipeFile('preflight, admin-user', '  admin_key: "ssh-rsa AAAA"'),
      /values\.admin_key: admin_key /,
    ),
    r(
      'lockdown_allow_from 0.0.0.0/1',
      recipeFile('preflight, lockdown', '  lockdown_allow_from: ["0.0.0.0/1"]'),
      /values\.lockdown_allow_from\.0: lets in \(almost\) everyone/,
    ),
    r('ban ":::"', recipeFile('preflight, lockdown', '  ban: [":::"]'), /values\.ban\.0: an IPv4 or IPv6 address/),
    r('confirm_timeout 9999', recipeFile('preflight', '  confirm_timeout: 9999'), /values\.confirm_timeout: Too big/),
    r('an alias bomb', `${ALIAS_BOMB}${recipeFile('preflight')}`, /r\.yaml:1:1: .*(alias|resource)/i),
    r('a YAML syntax error', 'name: [x\n', /r\.yaml:\d+:\d+: /),
    r('a duplicated key', `${recipeFile('preflight')}name: y\n`, /r\.yaml:\d+:\d+: Map keys must be unique/),
    r('an unknown step', recipeFile('preflight, rm-rf'), /recipe step "rm-rf" does not exist/),
    r('no steps', recipeFile(''), /r\.yaml:3:8: steps: /),
    r('a step with a newline', 'name: x\ndescription: y\nsteps: ["preflight\\nlockdown"]\n', /r\.yaml:3:9: steps\.0: /),
    r(
      'a name with a quote',
      recipeFile('preflight').replace('name: x', `name: "x'y"`),
      /r\.yaml:1:7: name: lowercase letters/,
    ),
    r('an unknown value', recipeFile('preflight', '  bogus: 1'), /values: unknown key\(s\) bogus/),
    r('an unknown top-level key', `${recipeFile('preflight')}hooks: [x]\n`, /document: unknown key\(s\) hooks/),
    r('a list, not a map', '- preflight\n', /r\.yaml:1:1: document: expected object/),
    r(
      'a team_file that is missing',
      recipeFile('preflight, wireguard, team', '  team_file: /nonexistent/team.yaml'),
      /cannot read team file \/nonexistent\/team\.yaml: ENOENT/,
    ),
    r(
      'peers both added and revoked',
      recipeFile('preflight, wireguard', '  peers: [bob]\n  peers_remove: [bob]'),
      /peer bob is both in peers and in peers_remove/,
    ),
    {
      name: 'recipe file that does not exist',
      argv: apply('--recipe', '{dir}/none.yaml'),
      error: /cannot read recipe .*none\.yaml/,
    },
    {
      name: 'recipe file that is a directory',
      argv: apply('--recipe', '{dir}/sub/'),
      files: {'sub/x': ''},
      error: /cannot read recipe .*sub: EISDIR/,
    },
    {
      name: 'recipe name with traversal',
      argv: apply('--recipe', '..'),
      error: /recipe name "\.\." is not a shipped recipe name/,
    },
    {
      name: 'recipe name that is not shipped',
      argv: apply('--recipe', 'nope'),
      error: /no recipe named nope; shipped recipes: fresh-vps/,
    },
    {
      name: 'a recipe larger than 1 MiB',
      argv: apply('--recipe', '{dir}/big.yaml'),
      files: {'big.yaml': `${recipeFile('preflight')}#${'a'.repeat(1024 * 1024)}\n`},
      error: /big\.yaml: a recipe larger than 1 MiB is refused/,
    },
  ];
}

function answersCases(): HostileCase[] {
  const a = (name: string, text: string, error: RegExp): HostileCase => ({
    name: `answers file: ${name}`,
    argv: apply('--answers', '{dir}/a.yaml'),
    files: {'a.yaml': text},
    error,
  });
  return [
    a('an alias bomb', `${ALIAS_BOMB}ssh_port: 22\n`, /a\.yaml:1:1: .*(alias|resource)/i),
    a('an unknown key', 'ssh_port: 22\nrm_rf: true\n', /a\.yaml:1:1: document: unknown key\(s\) rm_rf/),
    a('a port as text', 'ssh_port: "22abc"\n', /a\.yaml:1:11: ssh_port: expected number/),
    a('wg_subnet 0.0.0.0/0', 'wg_subnet: 0.0.0.0/0\n', /a\.yaml:1:12: wg_subnet: wg_subnet 0\.0\.0\.0\/0/),
    a('an empty allow_users', 'allow_users: []\n', /allow_users: an empty list/),
    a('confirm_timeout 9999', 'confirm_timeout: 9999\n', /confirm_timeout: Too big/),
    a(
      'fail2ban_findtime of 99999999 seconds',
      'fail2ban_findtime: 99999999\n',
      /fail2ban_findtime: at most 9999999 seconds/,
    ),
    a('a values wrapper with steps', 'values:\n  ssh_port: 22\nsteps: [lockdown]\n', /unknown key\(s\) steps|a\.yaml/),
    a('a list', '- ssh_port\n', /a\.yaml:1:1: document: expected object/),
    a('admin_user with a newline', 'admin_user: "a\\nb"\n', /admin_user: a login name/),
    {
      name: 'answers file: a team file with the login account marked as left',
      argv: ['apply', 'admin@192.0.2.10', '--yes', '--answers', '{dir}/a.yaml'],
      files: {'a.yaml': 'team_file: {dir}/left.yaml\n', 'left.yaml': 'members:\n  - name: admin\n    state: left\n'},
      error: /admin is the account this run logs in as/,
    },
    {
      name: 'answers file that does not exist',
      argv: apply('--answers', '{dir}/none.yaml'),
      error: /cannot read answers file .*none\.yaml/,
    },
    {
      name: 'answers file that is a directory',
      argv: apply('--answers', '{dir}'),
      error: /cannot read answers file .*EISDIR/,
    },
  ];
}

function teamCases(): HostileCase[] {
  const t = (name: string, text: string, error: RegExp, target = VPS): HostileCase => ({
    name: `team file: ${name}`,
    argv: ['apply', target, '--yes', '--recipe', 'team-onboarding', '--set', 'team_file={dir}/t.yaml'],
    files: {'t.yaml': text},
    error,
  });
  const one = (fields: string) => `members:\n  - name: alice\n${fields}\n`;
  return [
    t(
      'member name with traversal',
      `members:\n  - name: "../root"\n    key: ${ALICE}\n`,
      /t\.yaml:2:11: members\.0\.name: "\.\.\/root" is not a member name/,
    ),
    t('member name with a command', `members:\n  - name: "al$(reboot)"\n    key: ${ALICE}\n`, /is not a member name/),
    t(
      'member named root',
      `members:\n  - name: root\n    key: ${ALICE}\n`,
      /root is a system account, not a team member/,
    ),
    t(
      'a key with a second key injected',
      one(`    key: "${ALICE}\\n${BOB}"`),
      /the key of alice must not contain newlines/,
    ),
    t(
      'a key with an options prefix',
      one(`    key: 'command="/bin/sh" ${ALICE}'`),
      /the key of alice is not an OpenSSH public key line/,
    ),
    t('a group with traversal', one(`    key: ${ALICE}\n    groups: ["../wheel"]`), /is not a group name/),
    t('the root group', one(`    key: ${ALICE}\n    groups: [root]`), /the root group is never given/),
    t(
      'a duplicate member',
      `members:\n  - name: alice\n    key: ${ALICE}\n  - name: alice\n    key: ${BOB}\n`,
      /alice is listed twice/,
    ),
    t(
      'two members with one key',
      `members:\n  - name: alice\n    key: ${ALICE}\n  - name: bob\n    key: ${ALICE}\n`,
      /bob has the same key as alice/,
    ),
    t('a state outside its words', one(`    key: ${ALICE}\n    state: gone`), /expected one of active, left/),
    t('an unknown member field', one(`    key: ${ALICE}\n    shell: /bin/sh`), /unknown key\(s\) shell/),
    t('an active member without a key', one('    groups: [developers]'), /alice needs key:/),
    t('an alias bomb', `${ALIAS_BOMB}members: []\n`, /t\.yaml:\d+:\d+: .*(alias|resource)/i),
    t('a YAML syntax error', 'members: [\n', /t\.yaml:\d+:\d+: /),
    t('a list', '- alice\n', /t\.yaml:1:1: team file: expected object/),
    t(
      'the login account marked as left',
      'members:\n  - name: admin\n    state: left\n',
      /admin is the account this run logs in as \(or the admin user\); marking it as left would lock you out/,
      'admin@192.0.2.10',
    ),
    {
      ...t(
        'the admin user marked as left',
        'members:\n  - name: ops\n    state: left\n',
        /ops is the account this run logs in as/,
      ),
      argv: [
        'apply',
        VPS,
        '--yes',
        '--recipe',
        'team-onboarding',
        '--set',
        'team_file={dir}/t.yaml',
        '--set',
        'admin_user=ops',
      ],
    },
  ];
}

function peerCases(): HostileCase[] {
  const names: [string, string][] = [
    ['traversal', '../../etc/passwd'],
    ['a slash', 'a/b'],
    ['a leading dot', '.hidden'],
    ['a space', 'a b'],
    ['a newline', 'a\nb'],
    ['a command', 'a$(id)'],
    ['40 characters', 'a'.repeat(40)],
    ['empty', ''],
  ];
  const out: HostileCase[] = [];
  for (const [what, n] of names)
    out.push({
      name: `peers add: a peer name with ${what}`,
      argv: ['peers', 'add', n, VPS],
      error: /peer name .* must be 1-32 letters/,
    });
  out.push({
    name: 'peers add: a peer name with a leading dash (after --)',
    argv: ['peers', 'add', '--', '-x', VPS],
    error: /peer name "-x" must be 1-32 letters/,
  });
  out.push({
    name: 'peers remove: a peer name with traversal',
    argv: ['peers', 'remove', '../x', VPS],
    error: /peer name "\.\.\/x" must be 1-32 letters/,
  });
  out.push({
    name: 'peers show: a peer name with a slash',
    argv: ['peers', 'show', 'a/b', VPS],
    error: /peer name "a\/b" must be 1-32 letters/,
  });
  return out;
}

function flagCases(): HostileCase[] {
  const timeouts = ['9999', '3601', '14', '0', '-1', 'abc', '', '1e3', '60s', '120.5', ' 120'];
  const out: HostileCase[] = timeouts.map((t) => ({
    name: `--confirm-timeout ${JSON.stringify(t)}`,
    argv: apply(`--confirm-timeout=${t}`),
    error: /--confirm-timeout .*: give whole seconds from 15 to 3600/,
  }));
  out.push(
    {
      name: '--ssh-config that does not exist',
      argv: apply('--ssh-config', '{dir}/none'),
      error: /--ssh-config ".*none": cannot read it \(ENOENT\)/,
    },
    {
      name: '--ssh-config that is a directory',
      argv: apply('--ssh-config', '{dir}'),
      error: /--ssh-config ".*" is not a regular file/,
    },
    {name: '--ssh-config empty', argv: apply('--ssh-config', ''), error: /--ssh-config "": name a file/},
    {
      name: '--ssh-config with a newline',
      argv: apply('--ssh-config', 'x\nProxyCommand sh'),
      error: /--ssh-config "x\\nProxyCommand sh": name a file/,
    },
    {
      name: '--ssh-config on status, missing',
      argv: ['status', VPS, '--ssh-config', '{dir}/none'],
      error: /--ssh-config .*cannot read it/,
    },
    {
      name: '--ssh-config on peers add, missing',
      argv: ['peers', 'add', 'bob', VPS, '--ssh-config', '{dir}/none'],
      error: /--ssh-config .*cannot read it/,
    },
    {
      name: '--identity that does not exist',
      argv: apply('--identity', '{dir}/none'),
      error: /--identity ".*none": cannot read it \(ENOENT\)/,
    },
    {
      name: '--save-answers into a missing directory',
      argv: apply('--save-answers', '{dir}/missing/a.yaml'),
      error: /--save-answers .*missing\/a\.yaml: cannot write it \(ENOENT\); nothing was run/,
    },
    {
      name: '--save-answers onto a directory',
      argv: apply('--save-answers', '{dir}'),
      error: /--save-answers .*: cannot write it \(EISDIR\)/,
    },
    {
      name: '--until a step the recipe lacks',
      argv: apply('--until', 'lockdown'),
      error: /--until lockdown: the recipe has no such step/,
    },
    {
      name: 'plan --platform with a TARGET',
      argv: ['plan', VPS, '--platform', 'debian-12'],
      error: /--platform plans offline: give it without a TARGET/,
    },
    {name: 'plan --platform unknown', argv: ['plan', '--platform', 'windows'], error: /argument 'windows' is invalid/},
    {name: 'an unknown option', argv: apply('--no-such-option'), error: /unknown option '--no-such-option'/},
  );
  return out;
}

export function hostileCases(): HostileCase[] {
  return [
    ...targetCases(),
    ...setCases(),
    ...recipeCases(),
    ...answersCases(),
    ...teamCases(),
    ...peerCases(),
    ...flagCases(),
  ];
}

/** The case's argv with `{dir}` replaced, after writing its files there. */
export function materialize(c: HostileCase, dir: string): string[] {
  for (const [name, content] of Object.entries(c.files ?? {})) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), {recursive: true});
    writeFileSync(path, content.replaceAll('{dir}', dir));
  }
  return c.argv.map((a) => a.replaceAll('{dir}', dir));
}

/** Cases that run `apply` against a real TARGET: the e2e runs these against the sandbox VPS. */
export function reachesApply(c: HostileCase): boolean {
  return c.argv[0] === 'apply' && typeof c.argv[1] === 'string' && /^[a-z]+@192\.0\.2\.10$/.test(c.argv[1]);
}
