import {type Facts, sshPorts} from '../src/core/facts.js';
import {banAddress, canonical, formatNet, isLoopback, parseNet, tooBroad, within} from '../src/core/net.js';
import type {Action, Finding, ProbeData, RollbackAction, Step} from '../src/core/types.js';
import {isOwnSession, KILL_SESSION, parseSessions, sessionLabel} from '../src/lockdown/sessions.js';
import {LOCKDOWN_COMMENT, type LockdownRules, UFW_DEFAULTS, ufwLockdown} from '../src/lockdown/ufw.js';
import {sshReload, sshReloadBack} from '../src/platform/adapters.js';
import {firewallBackend} from '../src/platform/firewall/index.js';
import {FAIL2BAN_DOWN} from '../src/platform/profiles.js';
import {adjustMainConfig, sshdChecks} from '../src/render/sshd.js';
import {parseServerConf} from '../src/render/wireguard.js';
import {InputError} from '../src/util/errors.js';
import {formatSubnet, subnetOf} from '../src/wg/subnet.js';
import {WG_CONF} from './wireguard.js';

export interface LockdownParams {
  /** Extra sources (canonical) that keep SSH during the lockdown. */
  allowFrom: string[];
  /** Addresses to ban (canonical single addresses). */
  ban: string[];
  terminate: boolean;
  timeout: number;
}

const MAIN = '/etc/ssh/sshd_config';

/** Sorts before 00-portcullis.conf and every drop-in a platform ships, so its values win. */
export function lockdownDropin(f: Facts): string {
  return `${f.ssh.dropinDir}/00-portcullis-lockdown.conf`;
}

export const LOCKDOWN_SSHD = [
  '# Managed by portcullis (incident lockdown): key logins only. `portcullis rollback` removes this file.',
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  '',
].join('\n');

/** What sshd -T must show once passwords are off (the keyboard-interactive keyword changed in OpenSSH 8.7). */
export function passwordsOffLines(f: Facts): string[] {
  const v = f.ssh.version;
  if (!v) return ['passwordauthentication no'];
  const kbd =
    v.major > 8 || (v.major === 8 && v.minor >= 7) ? 'kbdinteractiveauthentication' : 'challengeresponseauthentication';
  return ['passwordauthentication no', `${kbd} no`];
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);

export const lockdown: Step<LockdownParams> = {
  id: 'lockdown',
  title: 'Incident lockdown',
  why: 'A box that may be under attack gets one way in: SSH from your address (and the tunnel) with a key, every other inbound connection refused, the addresses you name banned, and other sessions ended if you say so.',
  risk: 'lockout',
  undo: 'The dead-man timer (or a failed proof) restores the ufw files and the sshd drop-in byte for byte, reloads both and lifts the fail2ban bans it added; `portcullis rollback` does the same later. Ended sessions stay ended.',
  params(values) {
    const allowFrom = list(values.lockdown_allow_from).map((s) => {
      const n = parseNet(s, 'lockdown_allow_from entry');
      if (tooBroad(n))
        throw new InputError(
          `lockdown_allow_from entry ${JSON.stringify(s)} lets in (almost) everyone, which is no lockdown; name your own networks`,
        );
      return formatNet(n);
    });
    return {
      allowFrom: [...new Set(allowFrom)],
      ban: [...new Set(list(values.ban).map(banAddress))],
      terminate: values.terminate_sessions === true,
      timeout: typeof values.confirm_timeout === 'number' ? values.confirm_timeout : 120,
    };
  },
  probe: (f) => ({
    files: [UFW_DEFAULTS, WG_CONF, lockdownDropin(f), MAIN],
    queries: {
      ld_ufw_added: 'ufw show added',
      ld_conns: 'ss -Htnp state established',
      ld_ps: 'ps -eo pid=,args=',
      ld_f2b: 'fail2ban-client status sshd',
      ld_match: `grep -ilE '^[[:space:]]*match[[:space:]]' ${MAIN} ${f.ssh.dropinDir}/* 2>/dev/null; true`,
    },
  }),
  offline: (f) => ({
    files: (f.firewall.ufw === 'absent'
      ? {}
      : {
          [UFW_DEFAULTS]: {exists: true, mode: 0o644, content: 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\n'},
        }) as ProbeData['files'],
    queries: {
      ld_ufw_added:
        f.firewall.ufw === 'absent'
          ? {code: 127, out: 'sh: 1: ufw: not found'}
          : {code: 0, out: "Added user rules (see 'ufw status' for running firewall):\n(None)"},
      ld_conns: {code: 0, out: ''},
      ld_ps: {code: 0, out: ''},
      ld_f2b: FAIL2BAN_DOWN,
      ld_match: {code: 0, out: ''},
    },
  }),
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    const none = {actions: [] as Action[], findings, onRollback: [] as RollbackAction[]};
    const backend = firewallBackend(facts);
    if (backend !== 'ufw') {
      findings.push({
        level: 'error',
        message: `incident lockdown restricts SSH with ufw (Debian, Ubuntu); this host ${backend ? `runs ${backend}` : 'has no firewall portcullis knows'}, so nothing was changed`,
        fix:
          backend === 'firewalld'
            ? "firewall-cmd --remove-service=ssh && firewall-cmd --add-rich-rule='rule family=ipv4 source address=YOUR_ADDRESS service name=ssh accept'"
            : undefined,
      });
      return none;
    }
    const client = facts.operator.clientAddress;
    if (!client) {
      findings.push({
        level: 'error',
        message:
          'your own address is unknown (a local run, or SSH_CONNECTION was not seen): the lockdown lets SSH in only from your address, so run it over SSH from where you work',
      });
      return none;
    }
    const sources: LockdownRules['sshFrom'] = [{source: canonical(client, 'your client address'), why: 'operator'}];
    const wg = tunnelOf(probe);
    if (wg.subnet) sources.push({source: wg.subnet, why: 'tunnel'});
    for (const s of p.allowFrom) sources.push({source: s, why: 'allowed'});
    const uniq = sources.filter((s, i) => sources.findIndex((x) => x.source === s.source) === i);

    for (const ip of p.ban) {
      const n = parseNet(ip);
      const hit = uniq.find((s) => within(n, parseNet(s.source)));
      if (hit)
        findings.push({
          level: 'error',
          message: `ban ${ip} is inside ${hit.source} (${hit.why === 'operator' ? 'your own address' : hit.why === 'tunnel' ? 'the tunnel subnet' : 'lockdown_allow_from'}), which keeps SSH: banning it would cut that way in`,
        });
      if (isLoopback(n)) findings.push({level: 'error', message: `ban ${ip} is this server's loopback`});
      const own = facts.network.addresses.some((a) => {
        try {
          return canonical(a.split('/')[0] ?? '') === ip;
        } catch {
          return false;
        }
      });
      if (own) findings.push({level: 'error', message: `ban ${ip} is one of this server's own addresses`});
    }
    if (findings.some((f) => f.level === 'error')) return none;

    if (facts.operator.authMethod && facts.operator.authMethod !== 'publickey')
      findings.push({
        level: 'warn',
        message: `you logged in with ${facts.operator.authMethod}: passwords go off now, so the proof needs a key login from your side`,
      });
    const matchFiles = (probe.queries.ld_match?.out ?? '').split('\n').filter(Boolean);
    if (matchFiles.length)
      findings.push({
        level: 'warn',
        message: `Match blocks in ${matchFiles.join(', ')} may turn passwords back on for some users or addresses; sshd -T checks only the global settings`,
      });
    if (facts.docker.present && facts.docker.publishedPorts.length)
      findings.push({
        level: 'warn',
        message: `Docker publishes ${facts.docker.publishedPorts.join(', ')}: published ports bypass ufw and stay reachable during the lockdown`,
        fix: 'docker stop the containers, or drop outside traffic in the DOCKER-USER chain',
      });

    // sshd: passwords off with a drop-in of our own.
    const ssh: Action[] = [];
    const sshUndo: RollbackAction[] = [];
    const path = lockdownDropin(facts);
    const expected = passwordsOffLines(facts);
    const effective = new Set(
      Object.entries(facts.ssh.effective).flatMap(([k, vals]) => vals.map((x) => `${k} ${x}`.toLowerCase())),
    );
    const off = expected.every((l) => effective.has(l));
    const ours = probe.files[path];
    if (ours?.exists && ours.content === LOCKDOWN_SSHD) {
      if (!off)
        findings.push({
          level: 'error',
          message: `${path} is in place but sshd -T does not show ${expected.filter((l) => !effective.has(l)).join(', ')}: an earlier file or a Match block wins`,
        });
    } else if (ours?.exists || !off) {
      ssh.push({kind: 'file.write', path, content: LOCKDOWN_SSHD, mode: 0o600});
      if (!facts.ssh.mainHasInclude)
        ssh.push({
          kind: 'file.write',
          path: MAIN,
          content: adjustMainConfig(probe.files[MAIN]?.content ?? '', `${facts.ssh.dropinDir}/*.conf`, true, false),
          mode: probe.files[MAIN]?.mode ?? 0o644,
        });
      ssh.push(...sshdChecks(expected, `check sshd -T shows ${expected.join(', ')}`), ...sshReload(facts, false));
      sshUndo.push(...sshReloadBack(facts));
    }
    if (findings.some((f) => f.level === 'error')) return none;

    // Bans: fail2ban when its sshd jail runs (bans end with the jail's bantime), else a ufw deny rule.
    const f2b = probe.queries.ld_f2b?.code === 0;
    const banned = new Set(
      (/Banned IP list:\s*(.*)$/m.exec(probe.queries.ld_f2b?.out ?? '')?.[1] ?? '').split(/\s+/).filter(Boolean),
    );
    const bans: Action[] = [];
    const banUndo: RollbackAction[] = [];
    if (f2b) {
      for (const ip of p.ban) {
        if (banned.has(ip)) continue;
        bans.push({
          kind: 'run',
          label: `ban ${ip} with fail2ban (jail sshd)`,
          argv: ['fail2ban-client', 'set', 'sshd', 'banip', ip],
        });
        banUndo.push({
          kind: 'run',
          argv: ['fail2ban-client', 'set', 'sshd', 'unbanip', ip],
          quiet: 'all',
          orTrue: true,
        });
      }
      if (p.ban.length)
        findings.push({
          level: 'info',
          message:
            "bans go through fail2ban (its sshd jail runs): they end with the jail's bantime; the lockdown's default deny keeps the other ports closed meanwhile",
        });
    }
    const fw = ufwLockdown(facts, probe, {
      sshFrom: uniq,
      sshPorts: sshPorts(facts),
      wgPort: wg.subnet ? wg.port : undefined,
      deny: f2b ? [] : p.ban,
    });

    // Other SSH sessions: listed, and ended only when asked (after the new rules are proven).
    const sessions = parseSessions(probe.queries.ld_conns?.out ?? '', probe.queries.ld_ps?.out ?? '', sshPorts(facts));
    const others = sessions.filter((s) => !isOwnSession(s, client, facts.operator.clientPort));
    const kills: Action[] = [];
    if (p.terminate) {
      if (facts.operator.clientPort === undefined) {
        findings.push({
          level: 'error',
          message: 'terminate_sessions needs to know your own session (SSH_CONNECTION), and it was not seen',
        });
        return none;
      }
      for (const s of others)
        kills.push({
          kind: 'run',
          label: `end ${sessionLabel(s)}`,
          argv: ['sh', '-c', KILL_SESSION, 'sh', s.peer, ...s.pids.map(String)],
        });
    } else if (others.length) {
      findings.push({
        level: 'warn',
        message: `${others.length} other SSH session(s) stay open (an open session outlives the firewall): ${others.map(sessionLabel).join('; ')}`,
        fix: 'set terminate_sessions=true to end them',
      });
    }

    const guardedChanges = [...ssh, ...fw.changes, ...bans];
    const actions: Action[] = [];
    if (guardedChanges.length) {
      const listening = sshPorts(facts);
      const port = listening.includes(access.port) ? access.port : (listening[0] ?? access.port);
      actions.push(
        ...fw.pre,
        {kind: 'timer.arm', seconds: p.timeout},
        ...guardedChanges,
        {
          kind: 'proof',
          route: {user: access.user, port},
          what: `${access.user} logs in with a key from ${client} on port ${port}, with SSH let in only from ${uniq.map((s) => s.source).join(', ')}`,
        },
        {kind: 'timer.disarm'},
      );
    }
    actions.push(...kills);
    findings.push({
      level: 'info',
      message: `SSH stays open to ${uniq.map((s) => `${s.source} (${s.why})`).join(', ')}${wg.subnet ? `; WireGuard ${wg.port}/udp stays open` : ''}; every other inbound connection is refused (ufw rules commented "${LOCKDOWN_COMMENT}")`,
    });
    return {actions, findings, onRollback: [...sshUndo, ...fw.onRollback, ...banUndo]};
  },
};

/** The tunnel the server runs (our wg0.conf), if any: its subnet and port. */
function tunnelOf(probe: ProbeData): {subnet?: string; port: number} {
  const f = probe.files[WG_CONF];
  const conf = f?.exists ? parseServerConf(f.content ?? '') : undefined;
  if (!conf?.address) return {port: 51820};
  return {subnet: formatSubnet(subnetOf(conf.address)), port: conf.listenPort ?? 51820};
}
