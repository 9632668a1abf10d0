import {parseEndpoint} from '../target/endpoint.js';
import type {ProofRoute, Target} from '../target/types.js';
import type {JournalEntry} from './journal.js';

/** How the connection a rollback runs on reaches the server, as the server sees it. */
export interface Arrival {
  /** The server's address the login came to (from SSH_CONNECTION). */
  address: string;
  /** The interface holding that address, if any. */
  iface?: string;
  /** WireGuard interfaces on the server (`wg show interfaces`). */
  wireguard: string[];
}

/** Reads, in one round trip, which address and interface the current login arrived on. Read only. */
export const ARRIVAL_SCRIPT = [
  'set -- $1',
  'a=$3',
  'echo "addr=$a"',
  `ip -o addr show 2>/dev/null | awk -v a="$a" '{split($4, p, "/"); if (p[1] == a) {print "iface=" $2; exit}}'`,
  'for i in $(wg show interfaces 2>/dev/null); do echo "wg=$i"; done',
].join('\n');

const IFACE = /^[A-Za-z0-9_.-]{1,15}$/;
const ADDRESS = /^[0-9A-Fa-f.:]{2,45}$/;

/** The server's answer, validated: anything that is not an address or an interface name is dropped. */
export function parseArrival(out: string): Arrival {
  const arrival: Arrival = {address: '', wireguard: []};
  for (const line of out.split('\n')) {
    const [k, v = ''] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()];
    // `ip -o` names veth ends `eth0@if5`: the part before @ is the interface.
    const name = v.split('@')[0] ?? '';
    if (k === 'addr' && ADDRESS.test(v)) arrival.address = v;
    else if (k === 'iface' && IFACE.test(name)) arrival.iface = name;
    else if (k === 'wg' && IFACE.test(v)) arrival.wireguard.push(v);
  }
  return arrival;
}

export interface StepRef {
  run: string;
  step: string;
}

/** The files a step's begin entry says it touches. */
function touches(entries: readonly JournalEntry[], s: StepRef): string[] {
  for (const e of entries) if (e.kind === 'step.begin' && e.run === s.run && e.step === s.step) return e.touches;
  return [];
}

/** Where a run started: the way in the operator used (`user@host:port`), as journaled; undefined if unusable. */
export function runStart(entries: readonly JournalEntry[], run: string): Required<ProofRoute> | undefined {
  const begin = entries.find((e) => e.kind === 'run.begin' && e.run === run);
  if (begin?.kind !== 'run.begin') return undefined;
  try {
    // Journal text is the server's: it reaches ssh's argv only as a parsed, validated endpoint.
    const e = parseEndpoint(begin.target);
    if (!e.user || !e.port) return undefined;
    return {user: e.user, host: e.host, port: e.port, timeoutS: 8};
  } catch {
    return undefined;
  }
}

/**
 * Why rolling back `s` would cut the connection the rollback runs on, or undefined when it would not.
 * Two ways it can: the step set up the WireGuard interface the login arrived through (its rollback takes
 * the interface down), or the step is the first change of a run that started as another account (the
 * admin account it made or changed may be removed, and its sudo rights with it).
 */
export function threat(
  entries: readonly JournalEntry[],
  s: StepRef,
  arrival: Arrival,
  current: Target,
): 'tunnel' | 'account' | undefined {
  const {iface} = arrival;
  if (iface && arrival.wireguard.includes(iface) && touches(entries, s).includes(`/etc/wireguard/${iface}.conf`))
    return 'tunnel';
  const first = entries.find((e) => e.kind === 'step.begin' && e.run === s.run);
  const start = runStart(entries, s.run);
  if (first?.kind === 'step.begin' && first.step === s.step && start && start.user !== current.user) return 'account';
  return undefined;
}

/**
 * Ways in to try before rolling back a step that would cut the current connection, best first. Through a
 * tunnel: the same account and port on the server's public address (the address a run that did not come
 * through the tunnel used), once the steps before have opened it again. Before a run's first change: the
 * way in that run started with, which every later step's rollback has given back.
 */
export function hopRoutes(
  entries: readonly JournalEntry[],
  s: StepRef,
  why: 'tunnel' | 'account',
  arrival: Arrival,
  current: Target,
): Required<ProofRoute>[] {
  const start = runStart(entries, s.run);
  if (why === 'account') return start ? [start] : [];
  const inside = new Set([current.host, arrival.address]);
  const publicStarts: Required<ProofRoute>[] = [];
  for (const e of entries) {
    if (e.kind !== 'run.begin') continue;
    const r = runStart(entries, e.run);
    if (r && !inside.has(r.host) && !publicStarts.some((p) => p.host === r.host)) publicStarts.push(r);
  }
  // The run that made the tunnel came in from outside it: its address first.
  publicStarts.sort((a, b) => Number(b.host === start?.host) - Number(a.host === start?.host));
  return publicStarts.map((p) => ({user: current.user, host: p.host, port: current.port, timeoutS: 8}));
}
