import type {Facts} from '../src/core/facts.js';
import type {RunContext, RunValues} from '../src/core/values.js';
import {serverName} from '../src/wg/client-store.js';
import {ownPeerName} from '../src/wg/own-peer.js';
import {hostAddress, tunnelSubnet} from '../src/wg/subnet.js';

/** The tunnel proof's parameters: verify-tunnel's, and close-ports' (which proves the tunnel again). */
export interface VerifyParams {
  user: string;
  peer: string;
  connect: boolean;
  interactive: boolean;
  timeoutS: number;
  fallbackServerAddress: string;
  host: string;
}

/**
 * How long a guided run waits for the operator's device to bring the tunnel up (install the app, scan the
 * code). The wait changes nothing on the server and no timer is armed, so it is not the dead-man window;
 * Ctrl-C or q ends it at once. Under close-ports' armed timer the window bounds it (close-ports.ts).
 */
export const GUIDED_TUNNEL_WAIT_S = 900;

export function verifyParams(values: RunValues, facts: Facts, run: RunContext): VerifyParams {
  const {connectTunnel, interactive, targetHost} = run.settings;
  return {
    user: values.admin_user ?? facts.operator.loginUser,
    peer: ownPeerName(values.admin_user),
    connect: connectTunnel,
    interactive,
    timeoutS: interactive && !connectTunnel ? GUIDED_TUNNEL_WAIT_S : values.confirm_timeout,
    fallbackServerAddress: hostAddress(tunnelSubnet(values.wg_subnet, facts), 1),
    host: serverName(facts.hostname, targetHost),
  };
}
