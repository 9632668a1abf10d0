import {type Facts, sshPorts} from '../src/core/facts.js';
import type {Via} from '../src/core/firewall-policy.js';
import type {Finding, ProbeData, Step, StepPlan} from '../src/core/types.js';
import {BACKENDS, type Backend, firewallBackend} from '../src/platform/firewall/index.js';
import {parseServerConf} from '../src/render/wireguard.js';
import {assertNever} from '../src/util/errors.js';
import {formatSubnet, hostAddress, insideNetwork, subnetOf, tunnelSubnet} from '../src/wg/subnet.js';
import {desiredRules, tunnelNetOf, unknownTunnelPeers} from './firewall.js';
import {type FirewallParams, firewallParams} from './firewall-params.js';
import {type VerifyParams, verifyParams} from './verify-params.js';
import {arrivedThroughTunnel, headlessWithoutTunnel, tunnelProof} from './verify-tunnel.js';
import {WG_CONF, WG_IFACE} from './wireguard.js';

export interface ClosePortsParams {
  fw: FirewallParams;
  /** Who proves the tunnel and how (as verify-tunnel does), with a proof window shorter than the timer's. */
  tunnel: VerifyParams;
  /** The tunnel network the recipe asks for: used while wg0.conf does not exist yet (dry runs). */
  subnet: string;
}

/** The checkpoint this step needs in the same run. */
export const CHECKPOINT = 'verify-tunnel';

/** Is the firewall the firewall step set up running, with our rules loaded? close-ports only narrows it. */
function firewallOn(backend: Backend, facts: Facts, probe: ProbeData): boolean {
  switch (backend) {
    case 'ufw':
      return facts.firewall.ufw === 'active';
    case 'firewalld':
      return facts.firewall.firewalld === 'running';
    case 'nftables':
      return probe.queries.nft_loaded?.code === 0;
    case 'pf':
      return false;
    default:
      return assertNever(backend, 'backend');
  }
}

const refuse = (findings: Finding[], message: string): StepPlan => ({
  actions: [],
  findings: [...findings, {level: 'error', message}],
  onRollback: [],
});

/**
 * Verify, then close: the last step of fresh-vps. SSH is let in only through the tunnel (interface wg0,
 * the tunnel network on firewalld); WireGuard's UDP port and `public_ports` stay public. Runs under the
 * dead-man timer and is kept only after a fresh login through the tunnel, with a fresh handshake, proves
 * the way in that remains. Refuses unless verify-tunnel proved the tunnel earlier in the same run.
 */
export const closePorts: Step<ClosePortsParams> = {
  id: 'close-ports',
  title: 'Close the public ports',
  why: 'Verify, then close: once a login through the tunnel has been proven in this run, SSH answers only through the tunnel. From the internet only the WireGuard UDP port and the ports you list in public_ports remain.',
  risk: 'lockout',
  requires: ['firewall', 'wireguard', 'verify-tunnel'],
  undo: 'The dead-man timer (or a failed proof through the tunnel) restores the firewall files byte for byte and reloads the firewall as it ran, so public SSH answers again; `portcullis rollback` does the same later.',
  params(values, facts, run) {
    const fw = firewallParams(values, facts);
    const tunnel = verifyParams(values, facts, run);
    return {
      fw,
      // The proof gives up before the timer fires, so a late success never keeps a step the timer undid.
      tunnel: {...tunnel, timeoutS: Math.max(10, fw.timeout - 15)},
      subnet: formatSubnet(tunnelSubnet(values.wg_subnet, facts)),
    };
  },
  probe(f) {
    const b = firewallBackend(f);
    const req = b && b !== 'pf' ? BACKENDS[b].probe(f) : {};
    return {files: [WG_CONF, ...(req.files ?? [])], queries: req.queries};
  },
  offline(f) {
    const b = firewallBackend(f);
    return b && b !== 'pf' ? BACKENDS[b].offline(f) : {};
  },
  plan({facts, params: p, probe, access, done, dryRun}) {
    // In a dry run facts and probe are the host as the earlier steps' plans leave it (their `assume`): a
    // moved SSH port, the firewall on with the firewall step's rules, the wireguard step's wg0.conf.
    const findings: Finding[] = [];
    const backend = firewallBackend(facts);
    if (facts.family === 'macos' || backend === 'pf')
      return refuse(
        findings,
        'macOS is not a WireGuard server for portcullis, so there is no tunnel to put SSH behind; public SSH stays as it is',
      );
    if (!backend) return refuse(findings, `portcullis knows no firewall for ${facts.os.pretty}; nothing was changed`);
    const earlier = (id: string) => done?.includes(id) === true;

    const conf = probe.files[WG_CONF];
    const parsed = conf?.exists ? parseServerConf(conf.content ?? '') : undefined;
    if (!parsed?.address)
      return refuse(
        findings,
        `there is no WireGuard server on this host (${WG_CONF}), so SSH would have no way in left: the wireguard and verify-tunnel steps come first`,
      );
    const subnet = parsed?.address ? formatSubnet(subnetOf(parsed.address)) : p.subnet;
    const via: Via = {iface: WG_IFACE, source: subnet};
    const net = tunnelNetOf(conf, subnet);
    const unknown = unknownTunnelPeers(p.fw, net);
    if (unknown) return refuse(findings, unknown.message);

    if (!firewallOn(backend, facts, probe))
      return refuse(
        findings,
        `the host firewall (${backend}) is not on: close-ports narrows the rules the firewall step sets up, so the firewall step comes first`,
      );

    const listening = sshPorts(facts);
    const port = p.fw.sshPort !== undefined && listening.includes(p.fw.sshPort) ? p.fw.sshPort : (listening[0] ?? 22);
    const arrived = access.kind === 'ssh' ? arrivedThroughTunnel(facts, conf) : undefined;
    const proof = tunnelProof(
      p.tunnel,
      conf,
      port,
      (cmd) => `${p.tunnel.user} logs in through the tunnel with public SSH closed (${cmd})`,
      arrived,
    );
    const plan = BACKENDS[backend].plan({
      facts,
      rules: desiredRules(facts, p.fw, via, net),
      probe,
      proof,
      timeout: p.fw.timeout,
      findings,
      closing: true,
    });
    // Already closed (a re-run): nothing changes, so there is nothing to guard.
    if (!plan.actions.length || plan.findings.some((x) => x.level === 'error')) return plan;

    if (!earlier(CHECKPOINT))
      return refuse(
        plan.findings,
        'close-ports runs only after verify-tunnel has proven a login through the tunnel in this same run (put verify-tunnel before it in the recipe, or do not stop the run before it); public SSH stays open',
      );
    // In a dry run verify-tunnel says it already, and the plan shows what closing would do.
    if (!dryRun && headlessWithoutTunnel(p.tunnel, access, arrived))
      return refuse(
        plan.findings,
        'closing public SSH headless needs --connect-tunnel, so the login through the tunnel can be proven from here; public SSH stays open',
      );
    if (p.fw.wgPort === undefined)
      plan.findings.push({
        level: 'warn',
        message:
          "firewall_allow_wireguard is false, so only a rule that is not portcullis's lets WireGuard's UDP port in; once public SSH is closed, your way in depends on that rule, so keep it",
      });
    const server = proof.route.host ?? hostAddress(subnetOf(subnet), 1);
    const cameIn = facts.operator.serverAddress ?? access.host;
    if (access.kind === 'ssh' && !insideNetwork(cameIn, subnet) && !insideNetwork(access.host, subnet)) {
      plan.findings.push({
        level: 'warn',
        message: `this run came in over public SSH (${cameIn}); its open connection survives the change, but from now on SSH answers only through the tunnel: ssh -p ${port} ${p.tunnel.user}@${server}`,
      });
    }
    return plan;
  },
};
