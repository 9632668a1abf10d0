import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseEndpoint as parseTarget} from '../target/endpoint.js';
import {InputError} from '../util/errors.js';
import {port as checkPort, hostName, isIPv6} from '../util/validate.js';
import {clientConfPath, clientDir, hostSlug} from './client-store.js';
import {insideNetwork} from './subnet.js';

/**
 * The address a WireGuard client dials: the server's public address and WireGuard's UDP port. Never the
 * tunnel address: a client config pointing into the tunnel can never bring the tunnel up.
 */
export interface WgEndpoint {
  host: string;
  /** Unset: the server's ListenPort. */
  port?: number;
}

/** `203.0.113.5`, `203.0.113.5:51820`, `vpn.example.org:51820`, `[2001:db8::5]:51820` or `2001:db8::5`. */
export function parseEndpoint(value: string, what = 'wg_endpoint'): WgEndpoint {
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::([0-9]{1,5}))?$/.exec(value);
  if (v6) {
    if (!isIPv6(v6[1] ?? '')) throw new InputError(`${what} ${JSON.stringify(value)}: not an IPv6 address`);
    return {host: v6[1] as string, ...(v6[2] ? {port: checkPort(v6[2], what)} : {})};
  }
  if (isIPv6(value)) return {host: value};
  const m = /^([^:]+)(?::([0-9]{1,5}))?$/.exec(value);
  if (!m) throw new InputError(`${what} ${JSON.stringify(value)} is not HOST or HOST:PORT`);
  return {host: hostName(m[1] as string, what), ...(m[2] ? {port: checkPort(m[2], what)} : {})};
}

/** `host:port` as a client config's Endpoint line wants it (IPv6 in brackets). */
export function formatEndpoint(e: WgEndpoint, listenPort: number): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${host}:${e.port ?? listenPort}`;
}

const rememberedPath = (server: string) => join(clientDir(false), `${hostSlug(server)}.endpoint`);

/**
 * The public endpoint remembered on this machine for a server (written by a run that reached it on its
 * public address), else the Endpoint of `peer`'s own client config written here before. Files on this
 * machine only (the operator's own state), never text read from the server.
 */
export function rememberedEndpoint(server: string, peer?: string): WgEndpoint | undefined {
  const parse = (s: string, file: string) => {
    try {
      return parseEndpoint(s.trim(), file);
    } catch {
      return undefined;
    }
  };
  const file = rememberedPath(server);
  if (existsSync(file)) return parse(readFileSync(file, 'utf8'), file);
  const conf = peer ? clientConfPath(server, peer, false) : undefined;
  if (!conf || !existsSync(conf)) return undefined;
  const line = /^Endpoint = (.+)$/m.exec(readFileSync(conf, 'utf8'))?.[1];
  return line ? parse(line, conf) : undefined;
}

/** Remembers the public endpoint of a server on this machine (0600), for runs that come through the tunnel. */
export function rememberEndpoint(server: string, e: WgEndpoint): void {
  clientDir();
  const text = e.port === undefined ? e.host : formatEndpoint(e, e.port);
  writeFileSync(rememberedPath(server), `${text}\n`, {mode: 0o600});
}

/** The read-only query that lists the runs journaled on the target (how each came in), newest last. */
export const JOURNAL_STARTS = `grep -h '"kind":"run.begin"' /var/lib/portcullis/journal.jsonl 2>/dev/null | tail -n 200; true`;

/**
 * The public address the newest journaled run came in on from outside the tunnel (the run that set the
 * server up), from the target's journal (JOURNAL_STARTS). Text from the server: each target is parsed and
 * validated as `user@host[:port]`, and only its host is kept; anything else is skipped.
 */
export function journaledEndpoint(out: string, tunnelNet: string): WgEndpoint | undefined {
  const lines = out.split('\n').filter(Boolean).reverse();
  for (const line of lines) {
    try {
      const e = JSON.parse(line) as {kind?: unknown; target?: unknown};
      if (e.kind !== 'run.begin' || typeof e.target !== 'string' || !e.target.includes('@')) continue;
      const {host} = parseTarget(e.target);
      if (!insideNetwork(host, tunnelNet) && !/^(127\.|::1$|localhost$)/.test(host)) return {host};
    } catch {
      // Not a journal line we can vouch for.
    }
  }
  return undefined;
}
