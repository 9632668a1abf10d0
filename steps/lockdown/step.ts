import {type Facts, sshPorts} from '../../src/core/facts.js';
import type {Action, Finding, ProbeData, RollbackAction, Step} from '../../src/core/types.js';
import {firewallBackend} from '../../src/platform/firewall/index.js';
import {FAIL2BAN_DOWN} from '../../src/platform/profiles.js';
import {WG_CONF} from '../wireguard.js';
import {planBans} from './bans.js';
import {isOwnSession, KILL_SESSION, parseSessions, sessionLabel} from './sessions.js';
import {banRefusals, sshSources, tunnelOf} from './sources.js';
import {lockdownDropin, MAIN, planPasswordsOff} from './sshd.js';
import {LOCKDOWN_COMMENT, UFW_DEFAULTS, ufwLockdown} from './ufw.js';

export interface LockdownParams {
  /** Extra sources (canonical) that keep SSH during the lockdown. */
  allowFrom: string[];
  /** Addresses to ban (canonical single addresses). */
  ban: string[];
  terminate: boolean;
  timeout: number;
}

export const lockdown: Step<LockdownParams> = {
  id: 'lockdown',
  title: 'Incident lockdown',
  why: 'A box that may be under attack gets one way in: SSH from your address (and the tunnel) with a key, every other inbound connection refused, the addresses you name banned, and other sessions ended if you say so.',
  risk: 'lockout',
  undo: 'The dead-man timer (or a failed proof) restores the ufw files and the sshd drop-in byte for byte, reloads both and lifts the fail2ban bans it added; `portcullis rollback` does the same later. Ended sessions stay ended.',
  params: (values) => ({
    allowFrom: values.lockdown_allow_from,
    ban: values.ban,
    terminate: values.terminate_sessions,
    timeout: values.confirm_timeout,
  }),
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
    const wg = tunnelOf(probe);
    const sources = sshSources(client, wg.subnet, p.allowFrom);
    findings.push(...banRefusals(p.ban, sources, facts));
    if (findings.some((f) => f.level === 'error')) return none;

    findings.push(...warnings(facts, probe));
    const ssh = planPasswordsOff(facts, probe, findings);
    if (findings.some((f) => f.level === 'error')) return none;
    const bans = planBans(probe, p.ban, findings);
    const fw = ufwLockdown(facts, probe, {
      sshFrom: sources,
      sshPorts: sshPorts(facts),
      wgPort: wg.subnet ? wg.port : undefined,
      deny: bans.viaFail2ban ? [] : p.ban,
    });
    const kills = planKills(facts, probe, p.terminate, findings);
    if (!kills) return none;

    const guardedChanges = [...ssh.actions, ...fw.changes, ...bans.actions];
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
          what: `${access.user} logs in with a key from ${client} on port ${port}, with SSH let in only from ${sources.map((s) => s.source).join(', ')}`,
        },
        {kind: 'timer.disarm'},
      );
    }
    actions.push(...kills);
    findings.push({
      level: 'info',
      message: `SSH stays open to ${sources.map((s) => `${s.source} (${s.why})`).join(', ')}${wg.subnet ? `; WireGuard ${wg.port}/udp stays open` : ''}; every other inbound connection is refused (ufw rules commented "${LOCKDOWN_COMMENT}")`,
    });
    return {actions, findings, onRollback: [...ssh.undo, ...fw.onRollback, ...bans.undo]};
  },
};

/** What the lockdown cannot do, said up front: a password login the proof cannot use, Match blocks, Docker. */
function warnings(facts: Facts, probe: ProbeData): Finding[] {
  const out: Finding[] = [];
  if (facts.operator.authMethod && facts.operator.authMethod !== 'publickey')
    out.push({
      level: 'warn',
      message: `you logged in with ${facts.operator.authMethod}: passwords go off now, so the proof needs a key login from your side`,
    });
  const matchFiles = (probe.queries.ld_match?.out ?? '').split('\n').filter(Boolean);
  if (matchFiles.length)
    out.push({
      level: 'warn',
      message: `Match blocks in ${matchFiles.join(', ')} may turn passwords back on for some users or addresses; sshd -T checks only the global settings`,
    });
  if (facts.docker.present && facts.docker.publishedPorts.length)
    out.push({
      level: 'warn',
      message: `Docker publishes ${facts.docker.publishedPorts.join(', ')}: published ports bypass ufw and stay reachable during the lockdown`,
      fix: 'the docker-firewall step lets them in only through the tunnel (DOCKER-USER); or docker stop the containers',
    });
  return out;
}

/**
 * Other SSH sessions: listed, and ended only when asked (after the new rules are proven). Undefined: asked
 * to end them without knowing which session is the run's own (refused, the finding says why).
 */
function planKills(facts: Facts, probe: ProbeData, terminate: boolean, findings: Finding[]): Action[] | undefined {
  const client = facts.operator.clientAddress;
  const sessions = parseSessions(probe.queries.ld_conns?.out ?? '', probe.queries.ld_ps?.out ?? '', sshPorts(facts));
  const others = sessions.filter((s) => !isOwnSession(s, client, facts.operator.clientPort));
  if (!terminate) {
    if (others.length)
      findings.push({
        level: 'warn',
        message: `${others.length} other SSH session(s) stay open (an open session outlives the firewall): ${others.map(sessionLabel).join('; ')}`,
        fix: 'set terminate_sessions=true to end them',
      });
    return [];
  }
  if (facts.operator.clientPort === undefined) {
    findings.push({
      level: 'error',
      message: 'terminate_sessions needs to know your own session (SSH_CONNECTION), and it was not seen',
    });
    return undefined;
  }
  return others.map((s) => ({
    kind: 'run',
    label: `end ${sessionLabel(s)}`,
    argv: ['sh', '-c', KILL_SESSION, 'sh', s.peer, ...s.pids.map(String)],
  }));
}
