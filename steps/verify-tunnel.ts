import type {Action, FileState, Finding, Step} from '../src/engine/types.js';
import {type Facts, sshPorts} from '../src/platform/facts.js';
import {parseServerConf} from '../src/render/wireguard.js';
import {clientConfPath, knownPeerPublicKey, serverName, tunnelIfaceName} from '../src/wg/client-store.js';
import {hostAddress, subnetOf} from '../src/wg/subnet.js';
import {adminUserOf} from './admin-user.js';
import {adminPeerName, WG_CONF, WG_IFACE, wgParams} from './wireguard.js';

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
 * A proof through the tunnel: a fresh handshake of the operator's peer on the server, then a fresh SSH
 * login to the server's tunnel address (or, without --connect-tunnel in a guided run, the operator's own).
 */
export function tunnelProof(
  p: VerifyParams,
  conf: FileState | undefined,
  port: number,
  what: (cmd: string) => string,
): Extract<Action, {kind: 'proof'}> {
  const parsed = conf?.exists ? parseServerConf(conf.content ?? '') : undefined;
  const peer = parsed?.peers.find((x) => x.name === p.peer);
  const server = parsed?.address ? hostAddress(subnetOf(parsed.address), 1) : p.fallbackServerAddress;
  return {
    kind: 'proof',
    route: {host: server, user: p.user, port},
    what: what(`ssh -p ${port} ${p.user}@${server}`),
    tunnel: {
      iface: WG_IFACE,
      peer: p.peer,
      peerAddress: peer?.address ?? '(assigned when applied)',
      publicKey: peer?.publicKey ?? knownPeerPublicKey(p.host, p.peer) ?? '',
      confPath: clientConfPath(p.host || 'server', p.peer, false),
      localIface: tunnelIfaceName(p.host, p.peer),
      connect: p.connect,
      timeoutS: p.timeoutS,
    },
  };
}

/** Headless over SSH, the tunnel can be proven only by bringing it up here. */
export function headlessWithoutTunnel(p: VerifyParams, access: {kind: 'ssh' | 'local'}): boolean {
  return access.kind === 'ssh' && !p.connect && !p.interactive;
}

/**
 * How long a guided run waits for the operator's device to bring the tunnel up (install the app, scan the
 * code). The wait changes nothing on the server and no timer is armed, so it is not the dead-man window;
 * Ctrl-C or q ends it at once. Under close-ports' armed timer the window bounds it (close-ports.ts).
 */
export const GUIDED_TUNNEL_WAIT_S = 900;

export function verifyParams(values: Record<string, unknown>, facts: Facts): VerifyParams {
  const host = serverName(facts.hostname, String(values.target_host ?? ''));
  const wg = wgParams(values, facts, host);
  return {
    user: adminUserOf(values, facts) ?? facts.operator.loginUser,
    peer: adminPeerName(values, facts),
    connect: values.connect_tunnel === true,
    interactive: values.interactive === true,
    timeoutS:
      values.interactive === true && values.connect_tunnel !== true
        ? GUIDED_TUNNEL_WAIT_S
        : typeof values.confirm_timeout === 'number'
          ? values.confirm_timeout
          : 120,
    fallbackServerAddress: hostAddress(wg.subnet ?? wg.hostSubnet, 1),
    host,
  };
}

/**
 * The checkpoint close-ports waits for: the operator really gets in through the tunnel. A fresh
 * handshake of the operator's peer on the server, then a fresh SSH login to the server's tunnel address.
 */
export const verifyTunnel: Step<VerifyParams> = {
  id: 'verify-tunnel',
  title: 'Verify the tunnel',
  why: 'Test the VPN path before closing ports: bring the tunnel up, SSH over it, and only then let the public ports go. In the wrong order this is an outage with a self-inflicted lockout.',
  risk: 'safe',
  requires: ['wireguard'],
  undo: 'Nothing to undo on the server; with --connect-tunnel the tunnel stays up on your machine (wg-quick down to drop it).',
  params: verifyParams,
  probe: () => ({files: [WG_CONF]}),
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    const port = sshPorts(facts)[0] ?? 22;
    if (headlessWithoutTunnel(p, access)) {
      findings.push({
        level: 'error',
        message:
          'proving the tunnel headless needs --connect-tunnel (this machine brings the tunnel up with wg-quick, as root); the public ports stay open until it is proven',
      });
      return {actions: [], findings, onRollback: []};
    }
    return {
      actions: [tunnelProof(p, probe.files[WG_CONF], port, (cmd) => `${p.user} logs in through the tunnel (${cmd})`)],
      findings,
      onRollback: [],
    };
  },
};
