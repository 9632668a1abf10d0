import {assertNever, InputError} from '../util/errors.js';
import {port as checkPort, cidr, isIPv4} from '../util/validate.js';
import type {Facts} from './facts.js';

export type Backend = 'ufw' | 'firewalld' | 'nftables' | 'pf';

/**
 * Let in only through the tunnel, never from anywhere: the interface (ufw, nftables) and its IPv4 network
 * (firewalld's rich rule source). A backend reading its rules back fills what it can see.
 */
export interface Via {
  iface?: string;
  source?: string;
  /** Only from this one tunnel address (a named peer's), on every backend. Unset: the whole tunnel. */
  from?: string;
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
  if (via.from !== undefined && !isIPv4(via.from))
    throw new InputError(`tunnel peer address ${JSON.stringify(via.from)} is not an IPv4 address`);
  return {...via};
}

/** The reason our tunnel-only SSH rules carry: how the firewall step recognises a host whose SSH was closed. */
export const SSH_VIA_TUNNEL = 'ssh via tunnel';

/** `8080/tcp` or `8080/tcp@alice+phone` from tunnel_ports: the port, and the peers it is limited to (none: every peer). */
export function parseTunnelPort(spec: string): {port: number; proto: 'tcp' | 'udp'; peers: string[]} {
  const [port = '', peers] = spec.split('@');
  const names = peers === undefined ? [] : peers.split('+');
  for (const n of names)
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(n))
      throw new InputError(`tunnel_ports entry ${JSON.stringify(spec)}: ${JSON.stringify(n)} is not a peer name`);
  return {...parsePortSpec(port, 'tunnel_ports'), peers: names};
}

/** `443/tcp` from public_ports. */
export function parsePortSpec(spec: string, what = 'public_ports'): {port: number; proto: 'tcp' | 'udp'} {
  const m = /^([0-9]{1,5})\/(tcp|udp)$/.exec(spec);
  if (!m) throw new InputError(`${what} entry ${JSON.stringify(spec)} is not like 443/tcp`);
  return {port: checkPort(m[1] ?? '', what), proto: m[2] as 'tcp' | 'udp'};
}

export const specOf = (r: {port: number; proto: string}) => `${r.port}/${r.proto}`;

/** `2222/tcp`, or `2222/tcp via tunnel` for a rule that lets in only through the tunnel. */
export const keyOf = (r: {port: number; proto: string; via?: Via}) =>
  `${specOf(r)}${r.via ? ' via tunnel' : ''}${r.via?.from ? ` from ${r.via.from}` : ''}`;

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
    case 'unknown':
      return undefined;
    default:
      return assertNever(f.family, 'family');
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
