import {InputError} from '../../util/errors.js';
import {port as checkPort} from '../../util/validate.js';
import type {Facts} from '../facts.js';

export type Backend = 'ufw' | 'firewalld' | 'nftables' | 'pf';

/** One inbound allow rule; `why` ends up in the rule's comment, so it is a fixed vocabulary, never operator text. */
export interface AllowRule {
  port: number;
  proto: 'tcp' | 'udp';
  why: string;
}

const WHY = /^[a-z0-9 ()_.:/-]{1,60}$/;

export function allowRule(port: number, proto: 'tcp' | 'udp', why: string): AllowRule {
  if (!WHY.test(why)) throw new InputError(`firewall rule reason ${JSON.stringify(why)} is not a plain label`);
  return {port: checkPort(port, `firewall port for ${why}`), proto, why};
}

/** `443/tcp` from public_ports. */
export function parsePortSpec(spec: string, what = 'public_ports'): {port: number; proto: 'tcp' | 'udp'} {
  const m = /^([0-9]{1,5})\/(tcp|udp)$/.exec(spec);
  if (!m) throw new InputError(`${what} entry ${JSON.stringify(spec)} is not like 443/tcp`);
  return {port: checkPort(m[1] ?? '', what), proto: m[2] as 'tcp' | 'udp'};
}

export const specOf = (r: {port: number; proto: string}) => `${r.port}/${r.proto}`;

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

/** Deduplicated by port/proto, first reason wins (SSH before anything else). */
export function dedupeRules(rules: readonly AllowRule[]): AllowRule[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    if (seen.has(specOf(r))) return false;
    seen.add(specOf(r));
    return true;
  });
}
