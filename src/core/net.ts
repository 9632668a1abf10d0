import {InputError} from '../util/errors.js';
import {cidr, isIPv4, isIPv6} from '../util/validate.js';

/** An address or network as a number range: what "inside" and "the same" mean, whatever the spelling. */
export interface Net {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

const bits = (f: 4 | 6) => (f === 4 ? 32 : 128);

function v4ToBig(a: string): bigint {
  return a.split('.').reduce((x, o) => (x << 8n) + BigInt(Number(o)), 0n);
}

function v6ToBig(a: string): bigint {
  let s = a.toLowerCase();
  // A dotted IPv4 tail (::ffff:192.0.2.1) becomes two groups.
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    const v = v4ToBig(m[2] ?? '');
    s = `${m[1]}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((x, g) => (x << 16n) + BigInt(Number.parseInt(g, 16)), 0n);
}

function mask(family: 4 | 6, prefix: number): bigint {
  const n = BigInt(bits(family));
  return ((1n << n) - 1n) ^ ((1n << (n - BigInt(prefix))) - 1n);
}

/** Parses `203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`; IPv4-mapped IPv6 addresses are IPv4. */
export function parseNet(value: string, what = 'address'): Net {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value);
  if (mapped) return parseNet(mapped[1] ?? '', what);
  if (isIPv4(value)) return {family: 4, base: v4ToBig(value), prefix: 32};
  if (isIPv6(value)) return {family: 6, base: v6ToBig(value), prefix: 128};
  const c = cidr(value, what);
  const family = c.family;
  const raw = family === 4 ? v4ToBig(c.address) : v6ToBig(c.address);
  return {family, base: raw & mask(family, c.prefix), prefix: c.prefix};
}

function formatV6(v: bigint): string {
  const groups = Array.from({length: 8}, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (of two or more) of zero groups becomes ::, the first on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The spelling ufw prints: network base, lowercase, compressed IPv6, no /32 or /128. */
export function formatNet(n: Net): string {
  const a =
    n.family === 4 ? [24n, 16n, 8n, 0n].map((s) => ((n.base >> s) & 255n).toString()).join('.') : formatV6(n.base);
  return n.prefix === bits(n.family) ? a : `${a}/${n.prefix}`;
}

export function canonical(value: string, what = 'address'): string {
  return formatNet(parseNet(value, what));
}

/** Is `inner` (an address or network) entirely inside `outer`? */
export function within(inner: Net, outer: Net): boolean {
  if (inner.family !== outer.family || inner.prefix < outer.prefix) return false;
  const m = mask(outer.family, outer.prefix);
  return (inner.base & m) === (outer.base & m);
}

/** Networks so wide that "only from there" is no lockdown at all. */
export function tooBroad(n: Net): boolean {
  return n.family === 4 ? n.prefix < 8 : n.prefix < 16;
}

export function isLoopback(n: Net): boolean {
  return within(n, parseNet('127.0.0.0/8')) || within(n, parseNet('::1/128'));
}

/** Checks an address to ban: one address (no network), IPv4 or IPv6. */
export function banAddress(value: string): string {
  if (value.includes('/'))
    throw new InputError(`ban entry ${JSON.stringify(value)} is a network; ban single addresses`);
  if (!isIPv4(value) && !isIPv6(value))
    throw new InputError(`ban entry ${JSON.stringify(value)} is not an IPv4 or IPv6 address`);
  return formatNet(parseNet(value, 'ban entry'));
}
