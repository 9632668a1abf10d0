import type {Facts} from '../src/core/facts.js';
import {parsePortSpec} from '../src/core/firewall-policy.js';
import type {Action, Finding, Step} from '../src/core/types.js';
import {firewallBackend} from '../src/platform/firewall/index.js';
import {guarded} from '../src/platform/firewall/types.js';
import {
  DOCKER_CHAIN,
  DOCKER_DAEMON_JSON,
  DOCKER_DROPIN,
  DOCKER_DROPIN_TEXT,
  DOCKER_SCRIPT,
  DOCKER_UNDO,
  dockerChainRules,
  dockerFirewallScript,
  withLoopbackIp,
} from '../src/render/docker-user.js';
import {formatSubnet, tunnelSubnet} from '../src/wg/subnet.js';
import {proofPort, tunnelNetOf} from './firewall.js';
import {WG_CONF, WG_IFACE} from './wireguard.js';

export interface DockerFirewallParams {
  admin?: string;
  sshPort?: number;
  /** `docker_allow_from`: IPv4 addresses or networks that reach every published port from outside. */
  allowFrom: string[];
  /** `public_ports`: published ports anyone may reach. */
  publicPorts: {port: number; proto: 'tcp' | 'udp'}[];
  /** The recipe's tunnel network, used until wg0.conf says otherwise. */
  tunnelNet: string;
  timeout: number;
  /** `docker_bind_localhost`: `"ip": "127.0.0.1"` in daemon.json, for containers created after Docker restarts. */
  bindLocalhost: boolean;
}

const published = (f: Facts) => f.docker.publishedPorts.join(', ') || 'no port yet';

/** What each host firewall does to Docker's rules and ours, in the operator's words. */
function backendNote(f: Facts): Finding | undefined {
  const b = firewallBackend(f);
  if (b === 'nftables')
    return {
      level: 'warn',
      message:
        "nftables: a ruleset that starts with `flush ruleset` (Debian's and Arch's stock nftables.conf) wipes Docker's chains and these rules whenever nftables.service restarts",
      fix: 'restart Docker after restarting nftables (systemctl restart docker): the drop-in puts these rules back before dockerd',
    };
  if (b === 'firewalld')
    return {
      level: 'info',
      message:
        "firewalld (nftables backend) keeps its rules in its own table: a reload leaves Docker's DOCKER-USER chain and these rules in place",
    };
  if (b === 'ufw')
    return {
      level: 'info',
      message: 'ufw only rewrites its own chains: a reload leaves DOCKER-USER and these rules in place',
    };
  return undefined;
}

export const dockerFirewall: Step<DockerFirewallParams> = {
  id: 'docker-firewall',
  title: "Docker's published ports",
  why: "A port Docker publishes (docker run -p 8081:80) answers the whole internet even behind a default-deny firewall: Docker's NAT runs before it. This step lets such ports in only through the tunnel and from the addresses you name.",
  risk: 'lockout',
  undo: 'The script, the docker.service drop-in (and daemon.json, with docker_bind_localhost) are restored to their previous bytes (removed if new), the PORTCULLIS-DOCKER chain and its jump leave DOCKER-USER, and Docker runs as before; the dead-man timer, a failed proof or `portcullis rollback` does it.',
  params: (values, facts) => ({
    admin: values.admin_user,
    sshPort: values.ssh_port,
    allowFrom: values.docker_allow_from,
    publicPorts: values.public_ports.map((s) => parsePortSpec(s)),
    tunnelNet: formatSubnet(tunnelSubnet(values.wg_subnet, facts)),
    timeout: values.confirm_timeout,
    bindLocalhost: values.docker_bind_localhost,
  }),
  // Nothing is read on a host without Docker: the step is a no-op there.
  probe: (f, p) =>
    f.docker.present && f.family !== 'macos' && f.init === 'systemd'
      ? {
          files: [DOCKER_SCRIPT, DOCKER_DROPIN, WG_CONF, ...(p.bindLocalhost ? [DOCKER_DAEMON_JSON] : [])],
          queries: {
            docker_chain: `iptables -w -S ${DOCKER_CHAIN} 2>/dev/null`,
            docker_jump: `iptables -w -C DOCKER-USER -j ${DOCKER_CHAIN} 2>/dev/null && echo jump`,
          },
        }
      : {},
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    const none = (f: Finding) => ({actions: [], findings: [...findings, f], onRollback: []});
    if (!facts.docker.present) return none({level: 'info', message: 'Docker is not installed here: nothing to do'});
    if (facts.family === 'macos')
      return none({
        level: 'info',
        message: "Docker Desktop publishes through its own VM, not this host's packet filter: nothing to do here",
      });
    if (facts.init !== 'systemd')
      return none({
        level: 'error',
        message: `Docker publishes ${published(facts)}, but portcullis keeps DOCKER-USER rules across Docker restarts only with systemd (a docker.service drop-in); ${facts.os.pretty} runs ${facts.init}`,
        fix: "publish the ports on 127.0.0.1 only (-p 127.0.0.1:PORT:PORT), or add DOCKER-USER rules to Docker's init script",
      });
    const net = tunnelNetOf(probe.files[WG_CONF], p.tunnelNet);
    const rules = {tunnel: {iface: WG_IFACE, subnet: net.subnet}, allowFrom: p.allowFrom, publicPorts: p.publicPorts};
    const script = dockerFirewallScript(rules);
    const live = (probe.queries.docker_chain?.out ?? '').split('\n').filter((l) => l.startsWith('-A '));
    const liveOk = live.join('\n') === dockerChainRules(rules).join('\n');
    const jumpOk = probe.queries.docker_jump?.out.trim() === 'jump';
    const note = backendNote(facts);
    if (note) findings.push(note);
    findings.push({
      level: 'info',
      message: `Docker publishes ${published(facts)}: reachable through the tunnel (${WG_IFACE}, ${net.subnet})${p.allowFrom.length ? ` and from ${p.allowFrom.join(', ')}` : ''}${p.publicPorts.length ? `; ${p.publicPorts.map((x) => `${x.port}/${x.proto}`).join(', ')} from anywhere (public_ports)` : ''}; every other connection to a container is dropped`,
    });
    const changes: Action[] = [];
    const daemon = probe.files[DOCKER_DAEMON_JSON];
    const loopback = p.bindLocalhost ? withLoopbackIp(daemon?.exists ? daemon.content : undefined) : {};
    if (loopback.error)
      return none({level: 'error', message: loopback.error, fix: 'fix or remove it, then run this again'});
    if (loopback.text !== undefined)
      findings.push({
        level: 'warn',
        message:
          'docker_bind_localhost: "ip": "127.0.0.1" in daemon.json changes only containers created after Docker next restarts; running containers keep their published addresses until recreated, and portcullis does not restart Docker (it would restart your containers)',
        fix: 'systemctl restart docker when the containers may restart, then recreate the ones that publish on 0.0.0.0',
      });
    if (loopback.text !== undefined)
      changes.push({
        kind: 'file.write',
        path: DOCKER_DAEMON_JSON,
        content: loopback.text,
        mode: daemon?.exists ? (daemon.mode ?? 0o644) : 0o644,
      });
    if (probe.files[DOCKER_SCRIPT]?.content !== script)
      changes.push({kind: 'file.write', path: DOCKER_SCRIPT, content: script, mode: 0o755});
    const dropin = probe.files[DOCKER_DROPIN]?.content !== DOCKER_DROPIN_TEXT;
    if (dropin) changes.push({kind: 'file.write', path: DOCKER_DROPIN, content: DOCKER_DROPIN_TEXT, mode: 0o644});
    if (!changes.length && liveOk && jumpOk) return {actions: [], findings, onRollback: []};
    if (dropin) changes.push({kind: 'service', op: 'daemon-reload', unit: 'docker.service', init: facts.init});
    changes.push({
      kind: 'firewall.rule',
      backend: 'iptables',
      rule: `${DOCKER_CHAIN} from the top of DOCKER-USER: published ports only through ${WG_IFACE}${p.allowFrom.length ? ' and the allowed addresses' : ''}`,
      argv: [DOCKER_SCRIPT],
    });
    const user = p.admin ?? access.user;
    const port = proofPort(
      facts,
      {publicPorts: [], tunnelPorts: [], tunnelNet: net.subnet, timeout: 0, sshPort: p.sshPort},
      access.port,
    );
    const proof: Extract<Action, {kind: 'proof'}> = {
      kind: 'proof',
      route: {user, port},
      what: `${user} still logs in on port ${port} with Docker's ports closed around the firewall`,
    };
    return {
      actions: guarded([], changes, proof, p.timeout),
      findings,
      onRollback: [{kind: 'service', op: 'daemon-reload', unit: 'docker.service', init: facts.init}, DOCKER_UNDO],
    };
  },
};
