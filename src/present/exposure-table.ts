import type {Exposure} from '../platform/exposure.js';

/** One word for a socket's reach: EXPOSED (public, not meant to be), open (meant public), blocked, local, or - (gone). */
export function reach(e: Exposure | undefined): string {
  if (!e) return '-';
  if (!e.public) return 'local';
  if (e.flag) return 'EXPOSED';
  if (e.exposed) return 'open';
  return 'blocked';
}

/**
 * The "exposed before / after" table an apply ends with: every socket that was or is public, with its
 * reach before and after the run. Loopback-only sockets are left out; they never were reachable.
 */
export function exposureTable(before: readonly Exposure[], after: readonly Exposure[]): string[] {
  const key = (e: Exposure) => `${e.address}|${e.port}|${e.proto}`;
  const rows = new Map<string, {b?: Exposure; a?: Exposure}>();
  for (const e of before) rows.set(key(e), {...rows.get(key(e)), b: e});
  for (const e of after) rows.set(key(e), {...rows.get(key(e)), a: e});
  const list = [...rows.values()].filter((r) => r.b?.public || r.a?.public);
  if (!list.length) return ['reachable from anywhere: nothing listens on a public address'];
  list.sort((x, y) => ((x.a ?? x.b)?.port ?? 0) - ((y.a ?? y.b)?.port ?? 0));
  const sock = (e: Exposure) => `${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}/${e.proto}`;
  const lines = [`  ${'socket'.padEnd(26)} ${'process'.padEnd(14)} ${'before'.padEnd(8)} after`];
  for (const r of list) {
    const e = (r.a ?? r.b) as Exposure;
    lines.push(`  ${sock(e).padEnd(26)} ${e.process.padEnd(14)} ${reach(r.b).padEnd(8)} ${reach(r.a)}`);
  }
  const flagged = list.filter((r) => r.a?.flag).map((r) => r.a as Exposure);
  return [
    'reachable from anywhere, before and after this run (EXPOSED: public and not meant to be):',
    ...lines,
    ...flagged.map((e) => `  ! ${sock(e)}: ${e.fix}`),
    `  ${exposureSummary(before, after)}`,
  ];
}

/** The ports anyone can reach, per protocol, before -> after: `public TCP ports: 22, 8080 -> none; public UDP ports: 51820`. */
export function exposureSummary(before: readonly Exposure[], after: readonly Exposure[]): string {
  const ports = (list: readonly Exposure[], proto: 'tcp' | 'udp') => {
    const open = [...new Set(list.filter((e) => e.exposed && e.proto === proto).map((e) => e.port))];
    return open.length ? open.sort((x, y) => x - y).join(', ') : 'none';
  };
  const part = (proto: 'tcp' | 'udp') => {
    const b = ports(before, proto);
    const a = ports(after, proto);
    return `public ${proto.toUpperCase()} ports: ${a === b ? a : `${b} -> ${a}`}`;
  };
  return `${part('tcp')}; ${part('udp')}`;
}
