import {type Facts, sshPorts} from '../src/core/facts.js';
import type {Action, FileState, Finding, Step} from '../src/core/types.js';
import {parseServerConf} from '../src/render/wireguard.js';
import {clientConfPath, knownPeerPublicKey, tunnelIfaceName} from '../src/wg/client-store.js';
import {hostAddress, insideNetwork, subnetOf} from '../src/wg/subnet.js';
import {GUIDED_TUNNEL_WAIT_S, type VerifyParams, verifyParams} from './verify-params.js';
import {WG_CONF, WG_IFACE} from './wireguard.js';

export {GUIDED_TUNNEL_WAIT_S, type VerifyParams, verifyParams};

/**
 * A proof through the tunnel: a fresh handshake of the operator's peer on the server, then a fresh SSH
 * login to the server's tunnel address (or, without --connect-tunnel in a guided run, the operator's own).
 */
export function tunnelProof(
  p: VerifyParams,
  conf: FileState | undefined,
  port: number,
  what: (cmd: string) => string,
  /** The peer this run came through (see arrivedThroughTunnel): its tunnel is up here already. */
  arrived?: {peer: string},
): Extract<Action, {kind: 'proof'}> {
  const parsed = conf?.exists ? parseServerConf(conf.content ?? '') : undefined;
  const name = arrived?.peer ?? p.peer;
  const peer = parsed?.peers.find((x) => x.name === name);
  const server = parsed?.address ? hostAddress(subnetOf(parsed.address), 1) : p.fallbackServerAddress;
  return {
    kind: 'proof',
    route: {host: server, user: p.user, port},
    what: what(`ssh -p ${port} ${p.user}@${server}`),
    tunnel: {
      iface: WG_IFACE,
      peer: name,
      peerAddress: peer?.address ?? '(assigned when applied)',
      publicKey: peer?.publicKey ?? knownPeerPublicKey(p.host, name) ?? '',
      confPath: clientConfPath(p.host || 'server', name, false),
      localIface: tunnelIfaceName(p.host, name),
      connect: p.connect && !arrived,
      ...(arrived ? {up: true} : {}),
      timeoutS: p.timeoutS,
    },
  };
}

/**
 * The peer this run's own SSH connection came through, when it came through our tunnel: sshd saw a peer's
 * tunnel address as the client (SSH_CONNECTION) and the server's tunnel address as the server. The run
 * reaching the server at all then proves the tunnel, with no second tunnel to bring up here.
 */
export function arrivedThroughTunnel(
  facts: Facts,
  conf: FileState | undefined,
): {peer: string; address: string; publicKey: string} | undefined {
  const parsed = conf?.exists ? parseServerConf(conf.content ?? '') : undefined;
  if (!parsed?.address) return undefined;
  const server = hostAddress(subnetOf(parsed.address), 1);
  const {clientAddress, serverAddress} = facts.operator;
  if (serverAddress !== server || !insideNetwork(clientAddress, parsed.address)) return undefined;
  const peer = parsed.peers.find((x) => x.address === clientAddress);
  return peer && {peer: peer.name, address: peer.address, publicKey: peer.publicKey};
}

/** Headless over SSH, the tunnel can be proven only by bringing it up here, or by a run that came through it. */
export function headlessWithoutTunnel(
  p: VerifyParams,
  access: {kind: 'ssh' | 'local'},
  arrived?: {peer: string} | undefined,
): boolean {
  return access.kind === 'ssh' && !p.connect && !p.interactive && !arrived;
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
  plan({facts, params: p, probe, access, dryRun}) {
    const findings: Finding[] = [];
    const port = sshPorts(facts)[0] ?? 22;
    const arrived = access.kind === 'ssh' ? arrivedThroughTunnel(facts, probe.files[WG_CONF]) : undefined;
    if (arrived) {
      findings.push({
        level: 'info',
        message: `this run itself came in through the tunnel (peer ${arrived.peer}, ${arrived.address} -> ${facts.operator.serverAddress}): the tunnel is proven`,
      });
      return {actions: [], findings, onRollback: []};
    }
    if (headlessWithoutTunnel(p, access) && dryRun) {
      // A plan does not know how it will be applied: it says what each way needs.
      findings.push({
        level: 'warn',
        message:
          'apply --yes proves the tunnel only with --connect-tunnel (this machine brings the tunnel up with wg-quick, as root); the wizard shows the client config and waits for your device. Without either, this step is refused and the public ports stay open',
      });
    } else if (headlessWithoutTunnel(p, access)) {
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
