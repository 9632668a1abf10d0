import type {Facts} from '../../src/core/facts.js';
import type {Action, ProbeData, RollbackAction} from '../../src/core/types.js';
import {parseUfwDefaults, UFW_FILES, ufwBack, withIpv6} from '../../src/platform/firewall/ufw.js';

export const UFW_DEFAULTS = '/etc/default/ufw';
export const LOCKDOWN_COMMENT = 'portcullis: lockdown';

/** One line of `ufw show added`: the rule as the command that adds it. */
export interface UfwLine {
  /** Words after `ufw`, without the comment: `allow from 192.0.2.20 to any port 22 proto tcp`. */
  spec: string;
  /** The same words as arguments (an app name like 'Nginx Full' stays one word). */
  argv: string[];
  comment?: string;
}

/** Splits a shell-like line with single-quoted words (ufw quotes app names and comments). */
function words(s: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (const m of s.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] ?? ''));
  return out;
}

export function parseShowAdded(out: string): UfwLine[] {
  const rules: UfwLine[] = [];
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('ufw ')) continue;
    const m = /^(.*?)\s+comment\s+'(.*)'$/.exec(line.slice(4));
    const body = m ? (m[1] ?? '') : line.slice(4);
    const argv = words(body);
    rules.push({spec: argv.join(' '), argv, comment: m?.[2]});
  }
  return rules;
}

/** A rule that lets traffic in to this host (not routed, not outgoing, not a deny). */
export function isInboundAllow(r: UfwLine): boolean {
  const w = r.argv;
  return (w[0] === 'allow' || w[0] === 'limit') && w[1] !== 'out';
}

export interface LockdownRules {
  /** Sources (canonical, as ufw prints them) that may reach SSH. */
  sshFrom: {source: string; why: string}[];
  sshPorts: number[];
  /** WireGuard's UDP port stays open to everyone when the server runs a tunnel. */
  wgPort?: number;
  /** Addresses denied everything (when fail2ban does not carry the bans). */
  deny: string[];
}

const sshSpec = (source: string, port: number) => `allow from ${source} to any port ${port} proto tcp`;

/**
 * ufw under lockdown: deny incoming by default (IPv4 and IPv6), SSH only from the given sources, the
 * tunnel's UDP port, bans on top, and every other inbound allow rule deleted. Rules already in place
 * (by their spec, whatever their comment) are kept, so a second run plans nothing.
 */
export function ufwLockdown(
  facts: Facts,
  probe: ProbeData,
  want: LockdownRules,
): {pre: Action[]; changes: Action[]; onRollback: RollbackAction[]} {
  const installed = facts.firewall.ufw !== 'absent';
  const active = facts.firewall.ufw === 'active';
  const existing = installed ? parseShowAdded(probe.queries.ld_ufw_added?.out ?? '') : [];
  const have = new Set(existing.map((r) => r.spec));
  const touches = UFW_FILES;
  const changes: Action[] = [];
  const defaultsText = probe.files[UFW_DEFAULTS]?.content ?? '';
  const defaults = parseUfwDefaults(defaultsText);
  const haveDefaults = probe.files[UFW_DEFAULTS]?.exists === true;
  if (installed && haveDefaults && defaults.ipv6 !== 'yes')
    changes.push({
      kind: 'file.write',
      path: UFW_DEFAULTS,
      content: withIpv6(defaultsText),
      mode: probe.files[UFW_DEFAULTS]?.mode ?? 0o644,
    });
  if (installed && defaults.input !== 'DROP' && defaults.input !== 'REJECT')
    changes.push({
      kind: 'run',
      label: 'ufw: deny incoming by default',
      argv: ['ufw', 'default', 'deny', 'incoming'],
      touches,
    });

  const keep = new Set<string>();
  // Allows first (prepended, so an older deny cannot shadow the operator), bans last (on top of everything).
  for (const {source, why} of want.sshFrom) {
    for (const port of want.sshPorts) {
      const spec = sshSpec(source, port);
      keep.add(spec);
      if (have.has(spec)) continue;
      changes.push({
        kind: 'firewall.rule',
        backend: 'ufw',
        rule: `allow SSH (${port}/tcp) from ${source} only (${why})`,
        argv: ['ufw', 'prepend', ...spec.split(' '), 'comment', `${LOCKDOWN_COMMENT} ssh from ${why}`],
        touches,
      });
    }
  }
  if (want.wgPort !== undefined) {
    const spec = `allow ${want.wgPort}/udp`;
    keep.add(spec);
    if (!have.has(spec))
      changes.push({
        kind: 'firewall.rule',
        backend: 'ufw',
        rule: `allow ${want.wgPort}/udp (WireGuard: the tunnel stays up)`,
        argv: ['ufw', 'allow', `${want.wgPort}/udp`, 'comment', `${LOCKDOWN_COMMENT} wireguard`],
        touches,
      });
  }
  for (const ip of want.deny) {
    const spec = `deny from ${ip}`;
    if (have.has(spec)) continue;
    changes.push({
      kind: 'firewall.rule',
      backend: 'ufw',
      rule: `ban ${ip}: deny everything from it (first rule)`,
      argv: ['ufw', 'prepend', 'deny', 'from', ip, 'comment', `${LOCKDOWN_COMMENT} ban`],
      touches,
    });
  }
  for (const r of existing) {
    if (!isInboundAllow(r) || keep.has(r.spec)) continue;
    changes.push({
      kind: 'firewall.rule',
      backend: 'ufw',
      rule: `delete "${r.spec}"${r.comment ? ` (${r.comment})` : ''}: nothing else comes in during the lockdown`,
      // By spec, never by number: numbers shift, and a number deletes only the IPv4 or the IPv6 half.
      argv: ['ufw', 'delete', ...r.argv],
      touches,
    });
  }
  if (!active) {
    changes.push({
      kind: 'run',
      label: 'enable ufw: deny incoming, IPv4 and IPv6, on now and at boot',
      argv: ['ufw', '--force', 'enable'],
      touches,
    });
  } else if (changes.some((a) => a.kind === 'file.write')) {
    changes.push({kind: 'run', label: 'ufw: reload (IPv6 rules)', argv: ['ufw', 'reload'], touches});
  }
  if (installed && changes.length === 0) return {pre: [], changes: [], onRollback: []};
  const pre: Action[] = installed ? [] : [{kind: 'package.install', manager: facts.packageManager, packages: ['ufw']}];
  return {pre, changes, onRollback: [ufwBack(active)]};
}
