import type {Facts} from '../core/facts.js';
import {InputError} from '../util/errors.js';
import {cidr, isIPv4} from '../util/validate.js';

export interface Subnet4 {
  base: number;
  prefix: number;
}

export const ipToInt = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
export const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

export function parseSubnet(value: string, what = 'wg_subnet'): Subnet4 {
  const c = cidr(value, what);
  if (c.family !== 4 || c.prefix > 30 || c.prefix < 8)
    throw new InputError(`${what} ${value}: give an IPv4 network from /8 to /30`);
  const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
  const base = (ipToInt(c.address) & mask) >>> 0;
  if (base !== ipToInt(c.address))
    throw new InputError(`${what} ${value}: host bits are set (did you mean ${intToIp(base)}/${c.prefix}?)`);
  return {base, prefix: c.prefix};
}

export const formatSubnet = (s: Subnet4): string => `${intToIp(s.base)}/${s.prefix}`;
export const hostAddress = (s: Subnet4, n: number): string => intToIp(s.base + n);
export const size = (s: Subnet4): number => 2 ** (32 - s.prefix);

function overlaps(a: Subnet4, b: Subnet4): boolean {
  const p = Math.min(a.prefix, b.prefix);
  const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
  return (a.base & mask) >>> 0 === (b.base & mask) >>> 0;
}

/** The host's own IPv4 networks (addresses with prefix, and route destinations). */
export function hostNetworks(addrsAndRoutes: readonly string[]): Subnet4[] {
  const out: Subnet4[] = [];
  for (const a of addrsAndRoutes) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(a);
    if (!m) continue;
    const prefix = Number(m[2]);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if (prefix < 8) continue;
    out.push({base: (ipToInt(m[1] ?? '') & mask) >>> 0, prefix});
  }
  return out;
}

/** 10.66.0.0/24 unless the host already uses it; then the next free /24 in 10.x. */
export function chooseSubnet(taken: readonly Subnet4[]): Subnet4 {
  for (let second = 66; second < 66 + 180; second++) {
    const cand = {base: ipToInt(`10.${second % 256}.0.0`), prefix: 24};
    if (!taken.some((t) => overlaps(t, cand))) return cand;
  }
  throw new InputError('no free /24 in 10.0.0.0/8 for the tunnel; set wg_subnet');
}

export function collides(s: Subnet4, taken: readonly Subnet4[]): boolean {
  return taken.some((t) => overlaps(t, s));
}

/** The network of an interface address like 10.66.0.1/24. */
export function subnetOf(addressWithPrefix: string): Subnet4 {
  const [a = '', p = '32'] = addressWithPrefix.split('/');
  const prefix = Number(p);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return {base: (ipToInt(a) & mask) >>> 0, prefix};
}

/** An IPv4 address inside a network given as an address with its prefix (10.66.0.1/24 or 10.66.0.0/24). */
export function insideNetwork(address: string | undefined, network: string): boolean {
  if (!address || !isIPv4(address)) return false;
  const net = subnetOf(network);
  const mask = net.prefix === 0 ? 0 : (0xffffffff << (32 - net.prefix)) >>> 0;
  return (ipToInt(address) & mask) >>> 0 === net.base;
}

/** The tunnel's subnet for a run: `wg_subnet` (checked before connecting), else one clear of the host's own networks. */
export function tunnelSubnet(wgSubnet: string | undefined, facts: Facts): Subnet4 {
  return wgSubnet !== undefined
    ? parseSubnet(wgSubnet)
    : chooseSubnet(hostNetworks([...facts.network.addresses, ...facts.network.routes]));
}
