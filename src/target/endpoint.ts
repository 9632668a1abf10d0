import {InputError} from '../util/errors.js';
import {port as checkPort, hostName, userName} from '../util/validate.js';

export interface Endpoint {
  user?: string;
  host: string;
  port?: number;
}

/** Parses TARGET as `user@host[:port]`, `host`, or `user@[v6addr]:port`. Anything that could be read as an ssh option is refused. */
export function parseEndpoint(spec: string): Endpoint {
  if (spec.startsWith('-'))
    throw new InputError(`target ${JSON.stringify(spec)} looks like an option; write it as user@host[:port]`);
  let rest = spec;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = userName(rest.slice(0, at), 'target user');
    rest = rest.slice(at + 1);
  }
  let host: string;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (v6) {
    host = v6[1] ?? '';
    if (v6[2] !== undefined) port = checkPort(v6[2], 'target port');
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const [h = '', p = ''] = rest.split(':');
    host = h;
    port = checkPort(p, 'target port');
  } else {
    host = rest;
  }
  if (!host) throw new InputError(`target ${JSON.stringify(spec)} has no host`);
  hostName(host, 'target host');
  return {user, host, port};
}

export function formatEndpoint(e: Endpoint): string {
  const h = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.user ? `${e.user}@` : ''}${h}${e.port ? `:${e.port}` : ''}`;
}

/** The account TARGET names (user@host), known before connecting; undefined for --local or a bare host. */
export function loginOf(spec: string | undefined, o: {local?: boolean}): string | undefined {
  return spec === undefined || o.local ? undefined : parseEndpoint(spec).user;
}
