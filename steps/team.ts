import {existsSync, readFileSync} from 'node:fs';
import type {Action, FileState, Finding, ProbeData, Step} from '../src/engine/types.js';
import {sshReload, sshReloadLines} from '../src/platform/adapters.js';
import type {Facts} from '../src/platform/facts.js';
import {lets} from '../src/platform/firewall/inbound.js';
import {checkTeamKeepsOperator, loadTeamFile, type Team, type TeamMember} from '../src/team/team-file.js';
import {quote} from '../src/util/shell.js';
import {userName} from '../src/util/validate.js';
import {clientConfPath, serverName} from '../src/wg/client-store.js';
import {writeQrPng} from '../src/wg/qr.js';
import {sshdChecks} from './ssh-hardening.js';

export interface TeamParams {
  team?: Team;
  /** The admin user whose login is proven again after sshd's AllowUsers changes (default: this run's login). */
  admin?: string;
  timeout: number;
  /** Accounts that must never be locked by a team file: the login of this run and the admin user. */
  protected: string[];
  wgPort: number;
}

/** Every file useradd, usermod and groupadd rewrite: restored byte for byte by a rollback. */
export const ACCOUNT_FILES = [
  '/etc/passwd',
  '/etc/shadow',
  '/etc/group',
  '/etc/gshadow',
  '/etc/subuid',
  '/etc/subgid',
  '/etc/passwd-',
  '/etc/shadow-',
  '/etc/group-',
  '/etc/gshadow-',
  '/etc/subuid-',
  '/etc/subgid-',
];

export const KEYS_BEGIN = '# portcullis team member key (from the team file: change the team file, not this block)';
export const KEYS_END = '# end of portcullis team member key';

/** What the probe learned about one member's account. Never a password hash: only whether it is locked. */
export interface AccountState {
  exists: boolean;
  uid?: number;
  home?: string;
  /** First two characters of the shadow password field ('!' locked, '*' no password, '$...' a hash). */
  pw?: string;
  /** Account expiry (days since 1970), '' when none. */
  expire?: string;
  groups: string[];
  /** authorized_keys / authorized_keys2 present in ~/.ssh. */
  keyFiles: string[];
  /** authorized_keys, exactly as on disk. */
  keys?: string;
  sshDir: boolean;
  /** ~ or ~/.ssh is a symbolic link: never written through. */
  symlink: boolean;
  /** Key files in ~/.ssh that are symbolic links (never read; removed as the member when they leave). */
  keyLinks: string[];
  procs: number;
  /** For an account that does not exist yet: /home/NAME is already there. */
  homeTaken: boolean;
}

const queryName = (name: string) => `team_${name}`;

/** Run as the member, $1 their home: ~/.ssh, which key files are there (A: a link), authorized_keys unless a link. */
const MEMBER_QUERY = [
  '[ -d "$1/.ssh" ] && echo D',
  'for f in authorized_keys authorized_keys2; do',
  '  [ -L "$1/.ssh/$f" ] && printf "A %s\\n" "$f"',
  '  { [ -f "$1/.ssh/$f" ] || [ -L "$1/.ssh/$f" ]; } && printf "F %s\\n" "$f"',
  'done',
  '[ -f "$1/.ssh/authorized_keys" ] && [ ! -L "$1/.ssh/authorized_keys" ] && printf "K %s\\n" "$(base64 < "$1/.ssh/authorized_keys" | tr -d "\\n")"',
  'true',
].join('\n');

/** Read-only: the account, its lock state (first characters only), groups, keys and running processes. */
export function accountQuery(name: string): string {
  const u = quote(userName(name, 'member name'));
  return [
    `u=${u}`,
    `if ! p=$(getent passwd "$u"); then [ -e "/home/$u" ] && echo H; echo NONE; exit 0; fi`,
    `printf 'P %s\\n' "$p"`,
    `printf 'S %s\\n' "$(getent shadow "$u" | awk -F: '{print substr($2,1,2) ":" $8}')"`,
    `printf 'G %s\\n' "$(id -nG "$u")"`,
    'h=$(printf %s "$p" | cut -d: -f6)',
    '{ [ -L "$h" ] || [ -L "$h/.ssh" ]; } && echo L',
    // Inside the home, as the member: what they can see is all that is read (never a link root would follow).
    `pc_as "$u" sh -c ${quote(MEMBER_QUERY)} sh "$h"`,
    `printf 'C %s\\n' "$(pgrep -u "$u" 2>/dev/null | wc -l)"`,
  ].join('\n');
}

export function parseAccount(out: string): AccountState {
  const lines = out.split('\n');
  const st: AccountState = {
    exists: false,
    groups: [],
    keyFiles: [],
    sshDir: false,
    symlink: false,
    keyLinks: [],
    procs: 0,
    homeTaken: lines.includes('H'),
  };
  if (lines.includes('NONE') || !lines.some((l) => l.startsWith('P '))) return st;
  st.exists = true;
  for (const l of lines) {
    const [tag, rest = ''] = [l.slice(0, 1), l.slice(2)];
    if (l === 'L') st.symlink = true;
    else if (l === 'D') st.sshDir = true;
    else if (tag === 'P') {
      const f = rest.split(':');
      st.uid = Number(f[2]);
      st.home = f[5];
    } else if (tag === 'S') {
      const i = rest.lastIndexOf(':');
      st.pw = rest.slice(0, i);
      st.expire = rest.slice(i + 1);
    } else if (tag === 'G') st.groups = rest.split(/\s+/).filter(Boolean);
    else if (tag === 'F') st.keyFiles.push(rest);
    else if (tag === 'A') st.keyLinks.push(rest);
    else if (tag === 'K') st.keys = Buffer.from(rest, 'base64').toString('utf8');
    else if (tag === 'C') st.procs = Number(rest) || 0;
  }
  return st;
}

/** authorized_keys with the member's key in our block; every other line is kept exactly as it was. */
export function withMemberKey(current: string, key: string): string {
  const lines = current.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const kept: string[] = [];
  let inBlock = false;
  for (const l of lines) {
    if (l === KEYS_BEGIN) inBlock = true;
    else if (l === KEYS_END) inBlock = false;
    else if (!inBlock) kept.push(l);
  }
  const blob = key.split(' ')[1];
  const present = kept.some((l) =>
    l
      .trim()
      .split(/\s+/)
      .includes(blob ?? ''),
  );
  const out = present ? kept : [...kept, KEYS_BEGIN, key, KEYS_END];
  return out.length ? `${out.join('\n')}\n` : '';
}

/** An AllowUsers pattern (user or user@host, with * and ?) that lets `name` in. */
function allowUsersLets(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => {
    const user = p.split('@')[0] ?? '';
    const re = new RegExp(
      `^${user
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return re.test(name);
  });
}

function uidMin(probe: ProbeData): number {
  const n = Number(probe.queries.team_uid_min?.out.trim());
  return Number.isInteger(n) && n > 0 ? n : 1000;
}

const PRIVILEGED = new Set(['sudo', 'wheel', 'admin', 'adm', 'docker', 'lxd', 'disk', 'shadow', 'libvirt']);

export const team: Step<TeamParams> = {
  id: 'team',
  title: 'Team accounts',
  why: 'Everyone on the team gets their own account and key, and a person who leaves loses access the same day: the account locked, the keys gone, the tunnel peer revoked.',
  risk: 'reversible',
  undo: "The account files (/etc/passwd, shadow, group, gshadow and their backups), every touched authorized_keys and sshd's team drop-in are restored byte for byte (sshd reloaded); a home directory created by this run is removed. Ended processes are not restarted.",
  params(values, facts) {
    const admin = typeof values.admin_user === 'string' ? userName(values.admin_user, 'admin_user') : undefined;
    const team = typeof values.team_file === 'string' ? loadTeamFile(values.team_file) : undefined;
    const keep = [...new Set([facts.operator.loginUser, ...(admin ? [admin] : []), 'root'])];
    // Refused before the run's first step (every step's params are computed then): the wireguard step,
    // which runs earlier, would otherwise already have revoked the member's peer.
    if (team) checkTeamKeepsOperator(team, keep);
    return {
      team,
      admin,
      timeout: typeof values.confirm_timeout === 'number' ? values.confirm_timeout : 120,
      protected: keep,
      wgPort: typeof values.wg_port === 'number' ? values.wg_port : 51820,
    };
  },
  probe: (facts, p) => {
    if (!p.team) return {};
    const groups = [...new Set(p.team.members.flatMap((m) => (m.state === 'active' ? m.groups : [])))];
    const queries: Record<string, string> = {
      team_uid_min: 'awk \'$1 == "UID_MIN" {print $2}\' /etc/login.defs',
      team_groups: groups.length
        ? `for g in ${groups.map(quote).join(' ')}; do getent group "$g" >/dev/null && echo "$g"; done; true`
        : 'true',
    };
    for (const m of p.team.members) queries[queryName(m.name)] = accountQuery(m.name);
    return {queries, files: [teamDropin(facts)]};
  },
  offline: (_facts, p) => {
    const queries: ProbeData['queries'] = {team_uid_min: {code: 0, out: '1000'}, team_groups: {code: 0, out: ''}};
    for (const m of p.team?.members ?? []) queries[queryName(m.name)] = {code: 0, out: 'NONE'};
    return {queries};
  },
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    const actions: Action[] = [];
    const onRollback: string[] = [];
    if (!p.team) {
      findings.push({
        level: 'error',
        message: 'team_file is not set: name the team file on this machine with --set team_file=PATH',
      });
      return {actions, findings, onRollback};
    }
    if (facts.family === 'macos') {
      findings.push({level: 'error', message: 'macOS: portcullis does not create or lock user accounts there'});
      return {actions, findings, onRollback};
    }
    const min = uidMin(probe);
    const existingGroups = new Set((probe.queries.team_groups?.out ?? '').split('\n').filter(Boolean));
    const accounts = new Map<string, AccountState>(
      p.team.members.map((m) => [m.name, parseAccount(probe.queries[queryName(m.name)]?.out ?? 'NONE')]),
    );
    // Refusals first: nothing of the team is changed when one member cannot be handled safely.
    for (const m of p.team.members) {
      const a = accounts.get(m.name) as AccountState;
      if (a.exists && (a.uid ?? 0) < min)
        findings.push({
          level: 'error',
          message: `${m.name} is a system account on the server (uid ${a.uid}); a team file never manages it`,
        });
      // A member who left is locked whatever links they planted; their key files are removed as themselves.
      if (a.exists && m.state === 'active' && a.symlink)
        findings.push({
          level: 'error',
          message: `${m.name}'s home or ~/.ssh is a symbolic link; portcullis never writes through one (check the account by hand)`,
        });
      if (a.exists && m.state === 'active' && a.keyLinks.length)
        findings.push({
          level: 'error',
          message: `${m.name}'s ${a.keyLinks.map((f) => `~/.ssh/${f}`).join(' and ')} is a symbolic link; portcullis never reads or writes through one (check the account by hand)`,
        });
    }
    if (findings.some((f) => f.level === 'error')) return {actions, findings, onRollback};

    const missingGroups = [...new Set(p.team.members.flatMap((m) => (m.state === 'active' ? m.groups : [])))].filter(
      (g) => !existingGroups.has(g),
    );
    for (const g of missingGroups)
      actions.push({kind: 'run', label: `create group ${g}`, argv: ['groupadd', g], touches: ACCOUNT_FILES});

    for (const m of p.team.members) {
      const a = accounts.get(m.name) as AccountState;
      if (m.state === 'left') {
        planLeft(m, a, actions, findings);
        continue;
      }
      const privileged = m.groups.filter((g) => PRIVILEGED.has(g));
      if (privileged.length)
        findings.push({
          level: 'warn',
          message: `${m.name} gets group(s) ${privileged.join(', ')}: as good as root on most servers`,
        });
      planActive(m, a, actions, findings, onRollback);
    }
    const dropin = probe.files[teamDropin(facts)];
    if (dropin?.exists && !(dropin.content ?? '').startsWith(TEAM_MARK))
      findings.push({
        level: 'warn',
        message: `${teamDropin(facts)} was not written by portcullis, so sshd's AllowUsers/AllowGroups are left as they are: a member they leave out cannot log in`,
        fix: `move ${teamDropin(facts)} away and run this again`,
      });
    const sshd = planSshdAccess(facts, p.team, dropin);
    if (sshd) {
      // sshd lets the team in (or no longer lets a member who left in): under the dead-man timer, kept only
      // after the admin's own login is proven again.
      const user = p.admin ?? access.user;
      actions.unshift({kind: 'timer.arm', seconds: p.timeout});
      actions.push(
        sshd.action,
        ...sshdChecks(sshd.expect),
        ...sshReload(facts, false),
        {kind: 'proof', route: {user, port: access.port}, what: `${user} still logs in with a key (${sshd.what})`},
        {kind: 'timer.disarm'},
      );
      onRollback.push(...sshReloadLines(facts));
    }
    const v4 = facts.firewall.inbound?.v4;
    if (v4 && !lets(v4, p.wgPort, 'udp'))
      findings.push({
        level: 'warn',
        message: `the firewall does not let WireGuard's port ${p.wgPort}/udp in: members' tunnels cannot connect until it does`,
        fix: 'run the firewall step (fresh-vps) with the wireguard port allowed',
      });
    return {actions, findings, onRollback};
  },
  async afterApply({params: p, facts, access}) {
    // A QR code next to each member's client config, for phones; secret like the config itself (0600).
    const server = serverName(facts.hostname, access.host);
    const out: string[] = [];
    for (const m of p.team?.members ?? []) {
      if (m.state !== 'active') continue;
      const conf = clientConfPath(server, m.name, false);
      if (!existsSync(conf)) continue;
      // The same code the wizard draws (the config without comments or spaces, a quiet zone of 2); the
      // encoder loads only here: plans must not pay for it (bench/startup).
      out.push(await writeQrPng(conf, readFileSync(conf, 'utf8')));
    }
    return out;
  },
};

function planActive(m: TeamMember, a: AccountState, actions: Action[], findings: Finding[], onRollback: string[]) {
  const key = m.key as string;
  const home = a.home ?? `/home/${m.name}`;
  if (!a.exists) {
    actions.push({
      kind: 'run',
      label: `create user ${m.name} (home ${home}${m.groups.length ? `, groups ${m.groups.join(', ')}` : ''}; key login only)`,
      // '*' is "no password", not "locked": key logins work even where sshd runs without PAM.
      argv: [
        'useradd',
        '-m',
        '-d',
        home,
        '-s',
        '/bin/bash',
        '-p',
        '*',
        '-c',
        'team member (portcullis)',
        ...(m.groups.length ? ['-G', m.groups.join(',')] : []),
        m.name,
      ],
      touches: ACCOUNT_FILES,
    });
    if (a.homeTaken)
      findings.push({
        level: 'warn',
        message: `${home} already exists without an account; it becomes ${m.name}'s home and is kept on rollback`,
      });
    else onRollback.push(`getent passwd ${quote(m.name)} >/dev/null || rm -rf -- ${quote(home)}`);
  } else {
    if (a.expire === '1') {
      const unlock = a.pw?.startsWith('!') && a.pw.length > 1;
      actions.push({
        kind: 'run',
        label: `reactivate ${m.name} (marked active again: account expiry cleared${unlock ? ', password lock lifted' : ''})`,
        argv: ['usermod', ...(unlock ? ['-U'] : []), '-e', '', m.name],
        touches: ACCOUNT_FILES,
      });
    }
    const missing = m.groups.filter((g) => !a.groups.includes(g));
    if (missing.length)
      actions.push({
        kind: 'run',
        label: `add ${m.name} to ${missing.join(', ')}`,
        argv: ['usermod', '-aG', missing.join(','), m.name],
        touches: ACCOUNT_FILES,
      });
    const extra = a.groups.filter((g) => g !== m.name && !m.groups.includes(g));
    if (extra.length)
      findings.push({
        level: 'info',
        message: `${m.name} is also in ${extra.join(', ')} (kept: a team file only adds groups)`,
      });
  }
  const current = a.keys ?? '';
  const wanted = withMemberKey(current, key);
  if (wanted === current && a.sshDir) return;
  const dir = `${home}/.ssh`;
  // Everything in the member's home is done as the member (engine/as-user.ts): whatever links they plant
  // there reach only what they could reach themselves.
  if (!a.sshDir)
    actions.push({
      kind: 'run',
      label: `create ${dir} (0700, owned by ${m.name})`,
      argv: ['mkdir', '-p', '-m', '0700', dir],
      as: m.name,
    });
  if (wanted !== current)
    actions.push({kind: 'file.write', path: `${dir}/authorized_keys`, content: wanted, mode: 0o600, as: m.name});
}

function planLeft(m: TeamMember, a: AccountState, actions: Action[], findings: Finding[]) {
  if (!a.exists) {
    findings.push({level: 'info', message: `${m.name} has left and has no account on this server`});
    return;
  }
  const locked = a.expire === '1' && a.pw?.startsWith('!') === true;
  if (!locked)
    actions.push({
      kind: 'run',
      label: `lock ${m.name} (left): password locked and the account expired, so no login of any kind is accepted`,
      argv: ['usermod', '-L', '-e', '1', m.name],
      touches: ACCOUNT_FILES,
    });
  for (const f of a.keyFiles)
    actions.push({kind: 'file.remove', path: `${a.home ?? `/home/${m.name}`}/.ssh/${f}`, as: m.name});
  if (a.procs > 0)
    actions.push({
      kind: 'run',
      label: `end ${m.name}'s ${a.procs} running process(es): open sessions outlive a lock`,
      argv: [
        'sh',
        '-c',
        'pkill -TERM -u "$1"; i=0; while [ $i -lt 5 ] && pgrep -u "$1" >/dev/null; do sleep 1; i=$((i+1)); done; pkill -KILL -u "$1"; true',
        'sh',
        m.name,
      ],
    });
}

/** Our drop-in that lets the team's members through sshd's AllowUsers/AllowGroups (they add up across files). */
export function teamDropin(f: Facts): string {
  return `${f.ssh.dropinDir}/01-portcullis-team.conf`;
}

const TEAM_MARK =
  '# Managed by portcullis (team-onboarding): the active members of the team file. Change the team file, not this file.';

/** The AllowUsers/AllowGroups words of one keyword in a drop-in of ours. */
function dropinWords(text: string, keyword: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.toLowerCase().startsWith(`${keyword.toLowerCase()} `))
    .flatMap((l) => l.split(/\s+/).slice(1))
    .filter(Boolean);
}

/**
 * What sshd must be told so every active member can log in, and no member who left is named: sshd adds
 * AllowUsers (and AllowGroups) up across files, so our drop-in names the active members the rest of the
 * configuration leaves out, and only when the rest restricts logins at all (an AllowUsers of our own on a
 * host without one would lock everyone else out). Undefined: nothing to change.
 */
export function planSshdAccess(
  facts: Facts,
  team: Team,
  current: FileState | undefined,
): {action: Action; expect: string[]; what: string} | undefined {
  const path = teamDropin(facts);
  const ours = current?.exists ? (current.content ?? '') : '';
  if (current?.exists && !ours.startsWith(TEAM_MARK)) return undefined;
  const minus = (all: readonly string[], mine: readonly string[]) => {
    const left = [...all];
    for (const w of mine) {
      const i = left.indexOf(w);
      if (i >= 0) left.splice(i, 1);
    }
    return left;
  };
  const effective = (k: string) => (facts.ssh.effective[k] ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
  const otherUsers = minus(effective('allowusers'), dropinWords(ours, 'AllowUsers'));
  const otherGroups = minus(effective('allowgroups'), dropinWords(ours, 'AllowGroups'));
  const active = team.members.filter((m) => m.state === 'active');
  const users = otherUsers.length ? active.filter((m) => !allowUsersLets(otherUsers, m.name)).map((m) => m.name) : [];
  // A member's own group (useradd makes one per user): in AllowGroups only when the rest restricts groups.
  const groups = otherGroups.length
    ? active.filter((m) => ![m.name, ...m.groups].some((g) => otherGroups.includes(g))).map((m) => m.name)
    : [];
  const lines = [
    ...(users.length ? [`AllowUsers ${users.map((u) => userName(u, 'member name')).join(' ')}`] : []),
    ...(groups.length ? [`AllowGroups ${groups.map((g) => userName(g, 'group name')).join(' ')}`] : []),
  ];
  const wanted = lines.length ? `${TEAM_MARK}\n${lines.join('\n')}\n` : '';
  if (wanted === ours) return undefined;
  const expect = [...users.map((u) => `allowusers ${u}`), ...groups.map((g) => `allowgroups ${g}`)];
  if (!wanted) return {action: {kind: 'file.remove', path}, expect, what: 'sshd no longer names members who left'};
  return {
    action: {kind: 'file.write', path, content: wanted, mode: 0o644},
    expect,
    what: `sshd lets ${[...new Set([...users, ...groups])].join(', ')} in`,
  };
}
