import {parseNet, tooBroad} from '../core/net.js';
import type {RollbackAction} from '../core/types.js';
import {InputError} from '../util/errors.js';

/**
 * Docker's published ports behind the tunnel: the `PORTCULLIS-DOCKER` chain, jumped to from the top of
 * Docker's `DOCKER-USER` chain (the one chain of FORWARD that Docker leaves to the admin, and that it
 * neither flushes nor reorders on a restart), and the docker.service drop-in that puts it back before every
 * dockerd start, so no container publishes a port before the rules are there (restart, reboot, upgrade).
 *
 * Why FORWARD and not the host firewall: Docker DNATs a published port in PREROUTING, so the packet is
 * forwarded to the container and never meets INPUT, where ufw, firewalld and nftables' inbound rules
 * live (moby#4737, #22054; chaifeng/ufw-docker).
 */

/** Our chain: flushed and filled by every run of the script (iptables-restore --noflush declares it). */
export const DOCKER_CHAIN = 'PORTCULLIS-DOCKER';
export const DOCKER_SCRIPT = '/usr/local/sbin/portcullis-docker-firewall';
export const DOCKER_DROPIN = '/etc/systemd/system/docker.service.d/portcullis-firewall.conf';
export const DOCKER_DAEMON_JSON = '/etc/docker/daemon.json';

export interface DockerUserRules {
  /** The tunnel interface and network whose peers reach every published port. */
  tunnel: {iface: string; subnet: string};
  /** IPv4 addresses or networks (CIDR) that reach every published port from outside. */
  allowFrom: readonly string[];
  /** Published ports anyone may reach (the recipe's public_ports), by the port the client asked for. */
  publicPorts: readonly {port: number; proto: 'tcp' | 'udp'}[];
}

/**
 * The chain's rules, exactly as `iptables -S PORTCULLIS-DOCKER` prints them back (so a re-run compares
 * them with what runs). Order matters: replies and the containers' own traffic first, then who may open
 * a connection to a container, then the drop of everything else headed for a Docker bridge. Traffic that
 * is not headed for a container (a router's forwarding) is left alone: the chain only returns.
 */
export function dockerChainRules(r: DockerUserRules): string[] {
  const c = DOCKER_CHAIN;
  const host = (a: string) => (a.includes('/') ? a : `${a}/32`);
  return [
    // Replies to connections a container opened, and to connections let in below.
    `-A ${c} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`,
    // Containers' own traffic: out to the internet, and to each other on their bridge.
    `-A ${c} -i docker0 -j RETURN`,
    `-A ${c} -i br-+ -j RETURN`,
    `-A ${c} -s ${r.tunnel.subnet} -i ${r.tunnel.iface} -j RETURN`,
    ...r.allowFrom.map((a) => `-A ${c} -s ${host(a)} -j RETURN`),
    // The DNAT'd packet carries the container's port; the port the client asked for is the original one.
    ...r.publicPorts.map((p) => `-A ${c} -p ${p.proto} -m conntrack --ctorigdstport ${p.port} -j RETURN`),
    `-A ${c} -o docker0 -j DROP`,
    `-A ${c} -o br-+ -j DROP`,
  ];
}

/** The script the drop-in runs before dockerd, and the step runs once to apply the rules now. */
export function dockerFirewallScript(r: DockerUserRules): string {
  return `#!/bin/sh
# Managed by portcullis (docker-firewall step): ports Docker publishes answer only through the tunnel
# and from the addresses the recipe allows. docker.service runs this before dockerd starts
# (${DOCKER_DROPIN}); if it fails, Docker does not start rather than publish ports unfiltered.
set -e
PATH=/usr/sbin:/usr/bin:/sbin:/bin
iptables -w -N DOCKER-USER 2>/dev/null || true
iptables-restore -w --noflush <<'PORTCULLIS_RULES'
*filter
:${DOCKER_CHAIN} - [0:0]
${dockerChainRules(r).join('\n')}
COMMIT
PORTCULLIS_RULES
iptables -w -C DOCKER-USER -j ${DOCKER_CHAIN} 2>/dev/null || iptables -w -I DOCKER-USER -j ${DOCKER_CHAIN}
`;
}

export const DOCKER_DROPIN_TEXT = `# Managed by portcullis (docker-firewall step).
[Service]
ExecStartPre=${DOCKER_SCRIPT}
`;

/** Puts the host back as it was without our rules; then the restored script (an earlier version) reapplies its own. */
export const DOCKER_UNDO: RollbackAction = {
  kind: 'sequence',
  actions: [
    {kind: 'run', argv: ['iptables', '-w', '-D', 'DOCKER-USER', '-j', DOCKER_CHAIN], quiet: 'stderr'},
    {kind: 'run', argv: ['iptables', '-w', '-F', DOCKER_CHAIN], quiet: 'stderr'},
    {kind: 'run', argv: ['iptables', '-w', '-X', DOCKER_CHAIN], quiet: 'stderr'},
    {kind: 'run', argv: [DOCKER_SCRIPT], ifPresent: true},
  ],
};

/** One docker_allow_from entry: an IPv4 address or network (Docker's DNAT is IPv4), never (almost) everyone. */
export function dockerAllowEntry(v: string): string {
  const n = parseNet(v, 'docker_allow_from entry');
  if (n.family !== 4)
    throw new InputError(
      `docker_allow_from ${v}: give an IPv4 address or network (Docker DNATs IPv4 only; IPv6 goes through docker-proxy and the host firewall)`,
    );
  if (tooBroad(n))
    throw new InputError(`docker_allow_from ${v}: lets in (almost) everyone; leave the port in public_ports instead`);
  return v;
}

/**
 * daemon.json with `"ip": "127.0.0.1"` (the default address of `-p PORT:PORT` for containers created after
 * dockerd next starts), every other key kept. The file is the server's text: anything but a JSON object is
 * refused (a reason, not a rewrite). Undefined: the file already says so.
 */
export function withLoopbackIp(current: string | undefined): {text?: string; was?: unknown; error?: string} {
  let conf: unknown = {};
  if (current !== undefined && current.trim() !== '') {
    try {
      conf = JSON.parse(current);
    } catch {
      return {error: `${DOCKER_DAEMON_JSON} is not valid JSON (dockerd would not start with it)`};
    }
  }
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf))
    return {error: `${DOCKER_DAEMON_JSON} is not a JSON object`};
  const was = (conf as Record<string, unknown>).ip;
  if (was === '127.0.0.1') return {};
  return {text: `${JSON.stringify({...conf, ip: '127.0.0.1'}, null, 2)}\n`, was};
}
