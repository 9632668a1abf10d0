import {type Facts, sshPorts} from '../src/core/facts.js';
import {type AllowRule, allowRule, dedupeRules, SSH_VIA_TUNNEL, specOf, type Via} from '../src/core/firewall-policy.js';
import type {Action, FileState, Finding, Step} from '../src/core/types.js';
import {BACKENDS, firewallBackend} from '../src/platform/firewall/index.js';
import {parseServerConf} from '../src/render/wireguard.js';
import {formatSubnet, subnetOf} from '../src/wg/subnet.js';
import {type FirewallParams, firewallParams} from './firewall-params.js';
import {WG_CONF, WG_IFACE} from './wireguard.js';

export type {FirewallParams};

/** Why a tunnel port is let in (the rule's comment). */
export const TUNNEL_PORT = 'tunnel port';

/**
 * Every rule the host must keep: each SSH port in use, WireGuard, the recipe's public ports, and the
 * tunnel ports on the tunnel only (`tunnelNet`: the tunnel network as wg0.conf has it, else the recipe's).
 * With `tunnel` (close-ports ran, or is running), SSH is let in only through the tunnel.
 */
export function desiredRules(facts: Facts, p: FirewallParams, tunnel?: Via, net?: TunnelNet): AllowRule[] {
  const ssh = [...sshPorts(facts), ...(p.sshPort !== undefined ? [p.sshPort] : [])];
  const onTunnel: Via = {iface: WG_IFACE, source: net?.subnet ?? p.tunnelNet};
  return dedupeRules([
    ...ssh.map((port) => (tunnel ? allowRule(port, 'tcp', SSH_VIA_TUNNEL, tunnel) : allowRule(port, 'tcp', 'ssh'))),
    ...(p.wgPort !== undefined ? [allowRule(p.wgPort, 'udp', 'wireguard')] : []),
    ...p.publicPorts.map((pp) => allowRule(pp.port, pp.proto, 'public port')),
    ...p.tunnelPorts.flatMap((tp) =>
      tp.peers.length
        ? tp.peers
            .map((n) => net?.peers[n])
            .filter((a): a is string => a !== undefined)
            .map((from) => allowRule(tp.port, tp.proto, TUNNEL_PORT, {...onTunnel, from}))
        : [allowRule(tp.port, tp.proto, TUNNEL_PORT, onTunnel)],
    ),
  ]);
}

/** The tunnel as wg0.conf describes it: its network (else the recipe's) and each peer's address. */
export interface TunnelNet {
  subnet: string;
  peers: Record<string, string>;
}

export function tunnelNetOf(conf: FileState | undefined, fallback: string): TunnelNet {
  const parsed = conf?.exists ? parseServerConf(conf.content ?? '') : undefined;
  return {
    subnet: parsed?.address ? formatSubnet(subnetOf(parsed.address)) : fallback,
    peers: Object.fromEntries((parsed?.peers ?? []).map((x) => [x.name, x.address])),
  };
}

/** A refusal when `tunnel_ports` names a peer the server's WireGuard does not have (yet). */
export function unknownTunnelPeers(p: FirewallParams, net: TunnelNet): Finding | undefined {
  const missing = [...new Set(p.tunnelPorts.flatMap((tp) => tp.peers.filter((n) => !(n in net.peers))))];
  if (!missing.length) return undefined;
  return {
    level: 'error',
    message: `tunnel_ports names peer(s) ${missing.join(', ')}, which the server's WireGuard does not have (yet): a rule for them would let in whoever gets their address later`,
    fix: `add them first (portcullis peers add NAME, or the wireguard step), then run this again; or leave the @${missing.join('+')} out`,
  };
}

/** The port a fresh login proves: the one this run came in on if sshd still listens there, else the one it moved to. */
export function proofPort(facts: Facts, p: FirewallParams, accessPort: number): number {
  const listening = sshPorts(facts);
  if (listening.includes(accessPort)) return accessPort;
  if (p.sshPort !== undefined && listening.includes(p.sshPort)) return p.sshPort;
  return listening[0] ?? accessPort;
}

function dockerFindings(facts: Facts): Finding[] {
  // Closed by the docker-firewall step's chain already: nothing to warn about here.
  if (!facts.docker.present || !facts.docker.publishedPorts.length || facts.docker.filtered) return [];
  const dev = facts.network.defaultInterface ?? 'eth0';
  const drops = facts.docker.publishedPorts
    .map((s) => /:([0-9]+)->[0-9]+\/(tcp|udp)$/.exec(s.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `iptables -I DOCKER-USER -i ${dev} -p ${m[2]} -m conntrack --ctorigdstport ${m[1]} -j DROP`);
  return [
    {
      level: 'warn',
      message: `Docker publishes ${facts.docker.publishedPorts.join(', ')}: published ports bypass the host firewall (Docker's NAT runs before it), so this step does not close them`,
      fix: `the docker-firewall step lets them in only through the tunnel; or publish them on 127.0.0.1 only (-p 127.0.0.1:PORT:PORT), or drop outside traffic in the DOCKER-USER chain: ${drops.join('; ')}`,
    },
  ];
}

export const firewall: Step<FirewallParams> = {
  id: 'firewall',
  title: 'Host firewall',
  why: 'Default deny incoming: only SSH, WireGuard and the ports you name answer from outside, so a service that listens on 0.0.0.0 by mistake stays unreachable.',
  risk: 'lockout',
  undo: 'The dead-man timer (or a failed proof) restores the firewall files byte for byte and puts the firewall back the way it ran (off again if it was off); `portcullis rollback` does the same later.',
  params: firewallParams,
  probe: (f) => {
    const b = firewallBackend(f);
    const req = b ? BACKENDS[b].probe(f) : {};
    return {...req, files: [...(req.files ?? []), WG_CONF]};
  },
  offline: (f) => {
    const b = firewallBackend(f);
    return b ? BACKENDS[b].offline(f) : {};
  },
  assume({facts, params: p, probe}) {
    // The firewall on with the rules this plan loads: close-ports (later in the run) narrows what it leaves.
    const backend = firewallBackend(facts);
    const assumed = backend && BACKENDS[backend].assumed;
    if (!backend || !assumed) return {facts};
    const tunnel = BACKENDS[backend].tunnelOnly(facts, probe)[0]?.via;
    return assumed(facts, desiredRules(facts, p, tunnel, tunnelNetOf(probe.files[WG_CONF], p.tunnelNet)));
  },
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [...dockerFindings(facts)];
    findings.push({
      level: 'info',
      message:
        'a provider (cloud) firewall may sit above this one and block a port this host allows; portcullis proves the SSH port with a fresh login from your side before keeping the change, so check the provider console for the other ports',
    });
    const backend = firewallBackend(facts);
    if (!backend) {
      findings.push({
        level: 'error',
        message: `portcullis knows no firewall for ${facts.os.pretty}; nothing was changed`,
      });
      return {actions: [], findings, onRollback: []};
    }
    // A host whose SSH was closed to the tunnel (close-ports) keeps it that way: this step never reopens it.
    const tunnel = BACKENDS[backend].tunnelOnly(facts, probe)[0]?.via;
    if (tunnel)
      findings.push({
        level: 'info',
        message: 'SSH is closed to the tunnel on this host (close-ports): it stays reachable through the tunnel only',
      });
    const overlap = p.tunnelPorts.filter((t) => p.publicPorts.some((pp) => pp.port === t.port && pp.proto === t.proto));
    if (overlap.length) {
      findings.push({
        level: 'error',
        message: `${overlap.map(specOf).join(', ')} is in both public_ports and tunnel_ports: a port is either public or let in through the tunnel only`,
      });
      return {actions: [], findings, onRollback: []};
    }
    const net = tunnelNetOf(probe.files[WG_CONF], p.tunnelNet);
    const unknown = unknownTunnelPeers(p, net);
    if (unknown) return {actions: [], findings: [...findings, unknown], onRollback: []};
    const rules = desiredRules(facts, p, tunnel, net);
    const port = proofPort(facts, p, access.port);
    const user = p.admin ?? access.user;
    const proof: Extract<Action, {kind: 'proof'}> = {
      kind: 'proof',
      route: {user, port},
      what: `${user} logs in on port ${port} through the ${backend} firewall`,
    };
    return BACKENDS[backend].plan({facts, rules, probe, proof, timeout: p.timeout, findings});
  },
};
