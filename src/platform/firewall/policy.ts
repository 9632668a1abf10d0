import {InputError} from '../../util/errors.js';
import {port as checkPort, cidr} from '../../util/validate.js';
import type {Facts} from '../facts.js';

export type Backend = 'ufw' | 'firewalld' | 'nftables' | 'pf';

/**
 * Let in only through the tunnel, never from anywhere: the interface (ufw, nftables) and its IPv4 network
 * (firewalld's rich rule source). A backend reading its rules back fills what it can see.
 */
export interface Via {
  iface?: string;
  source?: string;
}

/** One inbound allow rule; `why` ends up in the rule's comment, so it is a fixed vocabulary, never operator text. */
export interface AllowRule {
  port: number;
  proto: 'tcp' | 'udp';
  why: string;
  /** Only through the tunnel (close-ports); unset: from anywhere. */
  via?: Via;
}

const WHY = /^[a-z0-9 ()_.:/-]{1,60}$/;
const IFACE = /^[A-Za-z0-9_.-]{1,15}$/;

export function allowRule(port: number, proto: 'tcp' | 'udp', why: string, via?: Via): AllowRule {
  if (!WHY.test(why)) throw new InputError(`firewall rule reason ${JSON.stringify(why)} is not a plain label`);
  const rule: AllowRule = {port: checkPort(port, `firewall port for ${why}`), proto, why};
  if (via) rule.via = checkVia(via);
  return rule;
}

/** An interface name and an IPv4 network that can go into a rule as they are. */
export function checkVia(via: Via): Via {
  if (via.iface !== undefined && !IFACE.test(via.iface))
    throw new InputError(`tunnel interface ${JSON.stringify(via.iface)} is not an interface name`);
  if (via.source !== undefined) {
    const c = cidr(via.source, 'tunnel network');
    if (c.family !== 4) throw new InputError(`tunnel network ${via.source} is not an IPv4 network`);
  }
  return {...via};
}

/** The reason our tunnel-only SSH rules carry: how the firewall step recognises a host whose SSH was closed. */
export const SSH_VIA_TUNNEL = 'ssh via tunnel';

/** `443/tcp` from public_ports. */
export function parsePortSpec(spec: string, what = 'public_ports'): {port: number; proto: 'tcp' | 'udp'} {
  const m = /^([0-9]{1,5})\/(tcp|udp)$/.exec(spec);
  if (!m) throw new InputError(`${what} entry ${JSON.stringify(spec)} is not like 443/tcp`);
  return {port: checkPort(m[1] ?? '', what), proto: m[2] as 'tcp' | 'udp'};
}

export const specOf = (r: {port: number; proto: string}) => `${r.port}/${r.proto}`;

/** `2222/tcp`, or `2222/tcp via tunnel` for a rule that lets in only through the tunnel. */
export const keyOf = (r: {port: number; proto: string; via?: Via}) => `${specOf(r)}${r.via ? ' via tunnel' : ''}`;

/**
 * The firewall the host already runs, or the one its platform uses. Never a second firewall on top of an
 * active one: two filters on the same hook each get a veto, so an allow in ours could not open a port
 * theirs drops.
 */
export function firewallBackend(f: Facts): Backend | undefined {
  if (f.firewall.active !== 'none') return f.firewall.active;
  switch (f.family) {
    case 'debian':
      return 'ufw';
    case 'rhel':
      return 'firewalld';
    case 'arch':
    case 'alpine':
      return 'nftables';
    case 'macos':
      return 'pf';
    default:
      return undefined;
  }
}

/** Deduplicated by port/proto (and tunnel), first reason wins (SSH before anything else). */
export function dedupeRules(rules: readonly AllowRule[]): AllowRule[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    if (seen.has(keyOf(r))) return false;
    seen.add(keyOf(r));
    return true;
  });
}
