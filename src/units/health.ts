import type {Action, FileState} from '../core/types.js';
import type {RunValues} from '../core/values.js';
import {parseServerConf} from '../render/wireguard.js';
import {formatSubnet, hostAddress, subnetOf} from '../wg/subnet.js';

/** How the agent's service is proven healthy: the recipe's port (and HTTP path), waited for this long. */
export interface HealthParams {
  port?: number;
  path?: string;
  timeoutS: number;
}

/** The agent's health check (service-user's and harden-units'): service_port (and service_health_path), and how long it waits. */
export function healthOf(values: RunValues): HealthParams {
  // Well inside the dead-man window: a proof still waiting when the timer fires would pass on the
  // rolled-back unit and be told apart only by the timer's own record.
  return {
    port: values.service_port,
    path: values.service_health_path,
    timeoutS: Math.min(30, Math.floor(values.confirm_timeout / 2)),
  };
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
