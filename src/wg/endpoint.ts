import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {readJournalLine} from '../core/journal-entry.js';
import {parseEndpoint as parseTarget} from '../target/endpoint.js';
import {clientConfPath, clientDir, hostSlug} from './client-store.js';
import {formatEndpoint, parseEndpoint, type WgEndpoint} from './endpoint-value.js';
import {insideNetwork} from './subnet.js';

export {formatEndpoint, parseEndpoint, type WgEndpoint} from './endpoint-value.js';

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
      const read = readJournalLine(JSON.parse(line));
      const e = 'entry' in read ? read.entry : undefined;
      if (e?.kind !== 'run.begin' || !e.target.includes('@')) continue;
      const {host} = parseTarget(e.target);
      if (!insideNetwork(host, tunnelNet) && !/^(127\.|::1$|localhost$)/.test(host)) return {host};
    } catch {
      // Not a journal line we can vouch for.
    }
  }
  return undefined;
}
