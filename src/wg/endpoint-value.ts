import {InputError} from '../util/errors.js';
import {port as checkPort, hostName, isIPv6} from '../util/validate.js';

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
