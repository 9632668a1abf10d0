import type {Action, FileState} from '../core/types.js';
import {parseServerConf} from '../render/wireguard.js';
import {formatSubnet, hostAddress, subnetOf} from '../wg/subnet.js';

/** How the agent's service is proven healthy: the recipe's port (and HTTP path), waited for this long. */
export interface HealthParams {
  port?: number;
  path?: string;
  timeoutS: number;
}

/** The tunnel's network and the server's address in it, from the server's WireGuard config (ours). */
export function tunnelOf(conf: FileState | undefined): {subnet: string; server: string} | undefined {
  const parsed = conf?.exists ? parseServerConf(conf.content ?? '') : undefined;
  if (!parsed?.address) return undefined;
  const s = subnetOf(parsed.address);
  return {subnet: formatSubnet(s), server: hostAddress(s, 1)};
}

/**
 * The service's own proof: active after the restart and, with a port, answering from this machine
 * through the tunnel (its server address) when there is one, else at the address the run came in on.
 */
export function serviceProof(
  unit: string,
  h: HealthParams | undefined,
  conf: FileState | undefined,
  accessHost: string,
): Extract<Action, {kind: 'proof'}> {
  const tunnel = tunnelOf(conf);
  const host = tunnel?.server ?? accessHost;
  const where =
    h?.port === undefined
      ? ''
      : `, answering on ${host}:${h.port}${h.path ?? ''}${tunnel ? ' through the tunnel' : ''}`;
  return {
    kind: 'proof',
    route: {},
    what: `${unit} is active after the restart${where}`,
    service: {unit, host, port: h?.port, path: h?.port === undefined ? undefined : h.path, timeoutS: h?.timeoutS ?? 30},
  };
}
