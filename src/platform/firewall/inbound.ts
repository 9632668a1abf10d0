import type {FirewallKind, Inbound} from '../../core/facts.js';
import {assertNever} from '../../util/errors.js';

/**
 * What the active firewall lets in from anywhere, read from the detection output. Conservative: a rule
 * we cannot read never makes a port look closed; an unknown policy leaves the family out (unfiltered).
 */
export interface InboundSources {
  ufwLines: readonly string[];
  ufwIpv6: string;
  firewalldLines: readonly string[];
  firewalldServices: readonly string[];
  nftLines: readonly string[];
  pfRules: readonly string[];
}

export type InboundPolicy = {v4?: Inbound; v6?: Inbound} | undefined;

/** Well-known names some tools print instead of numbers. */
const NAMED: Record<string, string> = {OpenSSH: '22/tcp', ssh: '22', http: '80', https: '443'};

export function inboundOf(active: FirewallKind, src: InboundSources): InboundPolicy {
  switch (active) {
    case 'ufw':
      return ufwInbound(src.ufwLines, src.ufwIpv6);
    case 'firewalld': {
      const p = firewalldInbound(src.firewalldLines, src.firewalldServices);
      return p && {v4: p, v6: p};
    }
    case 'nftables': {
      const p = nftInbound(src.nftLines);
      return p && {v4: p, v6: p};
    }
    case 'pf': {
      const p = pfInbound(src.pfRules);
      return p && {v4: p, v6: p};
    }
    case 'none':
      return undefined;
    default:
      return assertNever(active, 'firewall');
  }
}

/** `ufw status verbose` of an active ufw. IPV6=no leaves IPv6 unfiltered by ufw. */
export function ufwInbound(lines: readonly string[], ipv6: string): InboundPolicy {
  const def = lines.map((l) => /^Default: (\w+) \(incoming\)/.exec(l)?.[1]).find(Boolean);
  if (!def) return undefined;
  const defaultDeny = def === 'deny' || def === 'reject';
  const v4: string[] = [];
  const v6: string[] = [];
  for (const l of lines) {
    const m = /^(.+?)\s{2,}(ALLOW|LIMIT)(?: IN)?\s{2,}(.+?)(?:\s{2,}#.*)?\s*$/.exec(l);
    if (!m) continue;
    const [, toRaw = '', , from = ''] = m;
    if (!/^Anywhere( \(v6\))?$/.test(from.trim())) continue;
    const isV6 = toRaw.endsWith(' (v6)');
    const to = toRaw.replace(/ \(v6\)$/, '').trim();
    const spec = to === 'Anywhere' ? '1:65535' : (NAMED[to] ?? to);
    if (!/^[0-9]+(:[0-9]+)?(\/(tcp|udp))?$/.test(spec)) continue;
    (isV6 ? v6 : v4).push(spec);
  }
  return {
    v4: {defaultDeny, open: v4},
    v6: ipv6.trim() === 'no' ? undefined : {defaultDeny, open: v6},
  };
}

/** `firewall-cmd --list-all` of the default zone, plus "service port/proto..." lines for its services. */
export function firewalldInbound(lines: readonly string[], services: readonly string[]): Inbound | undefined {
  const field = (k: string) =>
    lines
      .map((l) => new RegExp(`^\\s*${k}:\\s*(.*)$`).exec(l)?.[1])
      .find((v) => v !== undefined)
      ?.trim();
  const target = field('target');
  if (target === undefined) return undefined;
  const open = new Set<string>();
  for (const p of (field('ports') ?? '').split(/\s+/).filter(Boolean)) open.add(p.replace('-', ':'));
  const svcPorts = new Map(services.map((s) => [s.split(/\s+/)[0] ?? '', s.split(/\s+/).slice(1)]));
  for (const s of (field('services') ?? '').split(/\s+/).filter(Boolean)) {
    for (const p of svcPorts.get(s) ?? []) open.add(p.replace('-', ':'));
  }
  for (const l of lines) {
    const m = /rule .*port port="([0-9-]+)" protocol="(tcp|udp)".*accept/.exec(l);
    if (m && !/source address=/.test(l)) open.add(`${(m[1] ?? '').replace('-', ':')}/${m[2]}`);
  }
  return {defaultDeny: target !== 'ACCEPT', open: [...open]};
}

/** `nft list table inet portcullis`: our own table (the only one whose accepts we can vouch for). */
export function nftInbound(lines: readonly string[]): Inbound | undefined {
  if (!lines.some((l) => /hook input/.test(l))) return undefined;
  const open: string[] = [];
  for (const l of lines) {
    // An accept on one incoming interface (the tunnel) lets nothing in from anywhere.
    if (/\biifname\b/.test(l)) continue;
    const m = /\b(tcp|udp) dport ([0-9]+(?:-[0-9]+)?) .*accept/.exec(l);
    if (m) open.push(`${(m[2] ?? '').replace('-', ':')}/${m[1]}`);
  }
  return {defaultDeny: lines.some((l) => /hook input .*policy drop/.test(l)), open};
}

/** `pfctl -a portcullis -s rules`: our anchor. */
export function pfInbound(rules: readonly string[]): Inbound | undefined {
  if (!rules.length) return undefined;
  const open: string[] = [];
  for (const r of rules) {
    const m = /^pass in .*proto (tcp|udp) .*port = (\S+)/.exec(r);
    if (!m) continue;
    const port = /^[0-9]+$/.test(m[2] ?? '') ? m[2] : NAMED[m[2] ?? '']?.replace(/\/.*$/, '');
    if (port) open.push(`${port}/${m[1]}`);
  }
  return {defaultDeny: rules.some((r) => /^block (drop |return )?in (log )?all/.test(r)), open};
}

/** Does the policy let `port/proto` in from anywhere? */
export function lets(p: Inbound, port: number, proto: 'tcp' | 'udp'): boolean {
  if (!p.defaultDeny) return true;
  return p.open.some((spec) => {
    const [range = '', pr] = spec.split('/');
    if (pr && pr !== proto) return false;
    const [a = '', b = a] = range.split(':');
    return port >= Number(a) && port <= Number(b);
  });
}
