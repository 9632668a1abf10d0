import {existsSync, readFileSync} from 'node:fs';
import type {Facts} from '../../src/core/facts.js';
import type {Action, Finding, ProbeData, RollbackAction, Step} from '../../src/core/types.js';
import type {RunValues} from '../../src/core/values.js';
import {sshReload, sshReloadBack} from '../../src/platform/adapters.js';
import {lets} from '../../src/platform/firewall/inbound.js';
import {sshdChecks} from '../../src/render/sshd.js';
import {checkTeamKeepsOperator, type Team, teamOf} from '../../src/team/team-file.js';
import {quote} from '../../src/util/shell.js';
import {clientConfPath, serverName} from '../../src/wg/client-store.js';
import {writeQrPng} from '../../src/wg/qr.js';
import {ACCOUNT_FILES, type AccountState, accountQuery, parseAccount, queryName} from './account.js';
import {planActive, planLeft} from './members.js';
import {planSshdAccess, TEAM_MARK, teamDropin} from './sshd-access.js';

export interface TeamParams {
  team?: Team;
  /** The admin user whose login is proven again after sshd's AllowUsers changes (default: this run's login). */
  admin?: string;
  timeout: number;
  /** Accounts that must never be locked by a team file: the login of this run and the admin user. */
  protected: string[];
  wgPort: number;
}
/** Accounts a team file must never lock: the run's login, the admin user, root. */
function keepOf(values: RunValues, facts: Facts): string[] {
  return [...new Set([facts.operator.loginUser, ...(values.admin_user ? [values.admin_user] : []), 'root'])];
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
  params: (values, facts, run) => ({
    team: run.prepared.team,
    admin: values.admin_user,
    timeout: values.confirm_timeout,
    protected: keepOf(values, facts),
    wgPort: values.wg_port,
  }),
  // The team file, read once; refused in the prepare phase, before the run's first step, when it marks
  // the login or the admin as left: the wireguard step, which runs earlier, would already revoke the peer.
  prepareReads: ['team_file'],
  prepare({values, facts, prepared}) {
    const team = prepared.team ?? teamOf(values.team_file);
    if (team) checkTeamKeepsOperator(team, keepOf(values, facts));
    return team ? {team} : {};
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
    const onRollback: RollbackAction[] = [];
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
      onRollback.push(...sshReloadBack(facts));
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
