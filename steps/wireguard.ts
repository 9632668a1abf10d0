import type {Facts} from '../src/core/facts.js';
import type {Action, Derivation, Finding, RollbackAction, Step} from '../src/core/types.js';
import type {RunContext, RunSettings, RunValues, Team} from '../src/core/values.js';
import {wgService} from '../src/platform/wireguard-service.js';
import {
  NEW_KEY,
  parseServerConf,
  renderClientConf,
  renderServerConf,
  type WgPeer,
  withoutNewPeers,
} from '../src/render/wireguard.js';
import {teamOf, teamPeers} from '../src/team/team-file.js';
import {InputError, RunError} from '../src/util/errors.js';
import {printable} from '../src/util/terminal.js';
import {cidr} from '../src/util/validate.js';
import {knownPeerPublicKey, peerKeys, retirePeer, serverName, writeClientConf} from '../src/wg/client-store.js';
import {
  formatEndpoint,
  JOURNAL_STARTS,
  journaledEndpoint,
  parseEndpoint,
  rememberEndpoint,
  rememberedEndpoint,
  type WgEndpoint,
} from '../src/wg/endpoint.js';
import {isWgKey} from '../src/wg/keys.js';
import {ownPeerName} from '../src/wg/own-peer.js';
import {
  chooseSubnet,
  formatSubnet,
  hostAddress,
  hostNetworks,
  insideNetwork,
  parseSubnet,
  type Subnet4,
  size,
  subnetOf,
} from '../src/wg/subnet.js';

export const WG_IFACE = 'wg0';
export const WG_DIR = '/etc/wireguard';
export const WG_CONF = `${WG_DIR}/${WG_IFACE}.conf`;
export const WG_KEY = `${WG_DIR}/${WG_IFACE}.key`;
/** The service file of ours (systemd drop-in or OpenRC script): its path does not depend on userspace or not. */
const serviceOf = (f: Facts, userspace = !f.wireguard.kernel) => wgService(f, WG_IFACE, WG_KEY, userspace);

export interface WgParams {
  port: number;
  subnet?: Subnet4;
  hostSubnet: Subnet4;
  add: string[];
  remove: string[];
  /** Public keys of the peers to add, as held on this machine (or NEW_KEY in a dry-run). */
  keys: Record<string, string>;
  /** The server's public endpoint for client configs: `wg_endpoint`, else the one remembered on this machine. */
  endpoint?: WgEndpoint;
  /** True when it is `wg_endpoint` (it wins over the address the run came in on). */
  endpointGiven: boolean;
}

/** Peers to make sure exist: the operator's own (unless the run leaves it out, as `peers add` does), the recipe's and the team's. */
export function wantedPeers(values: RunValues, settings: RunSettings, team: Team | undefined): string[] {
  const own = settings.ownPeer ? [ownPeerName(values.admin_user)] : [];
  return [...new Set([...own, ...values.peers, ...teamPeers(team).add])];
}

export function wgParams(values: RunValues, facts: Facts, run: RunContext): WgParams {
  const {team, peerKeys: known, endpoint: remembered} = run.prepared;
  const add = wantedPeers(values, run.settings, team);
  const keys: Record<string, string> = {};
  for (const n of add) keys[n] = known[n] ?? NEW_KEY;
  const endpoint = values.wg_endpoint !== undefined ? parseEndpoint(values.wg_endpoint) : undefined;
  return {
    endpoint: endpoint ?? remembered,
    endpointGiven: endpoint !== undefined,
    port: values.wg_port,
    subnet: values.wg_subnet !== undefined ? parseSubnet(values.wg_subnet) : undefined,
    hostSubnet: chooseSubnet(hostNetworks([...facts.network.addresses, ...facts.network.routes])),
    add,
    remove: [...values.peers_remove, ...teamPeers(team).remove],
    keys,
  };
}

/**
 * The tunnel subnet when the operator does not set wg_subnet: the one an existing portcullis tunnel
 * (wg0.conf) already uses, else a free /24 in 10.x (10.66.0.0/24 when free). Resolved once before the
 * first step: fail2ban, which runs before this step, puts it in ignoreip.
 */
export const wgSubnetDefault: Derivation = {
  key: 'wg_subnet',
  reads: {files: [WG_CONF]},
  derive({facts, probe}) {
    const file = probe.files[WG_CONF];
    let current: ReturnType<typeof parseServerConf>;
    try {
      current = file?.exists ? parseServerConf(file.content ?? '') : undefined;
    } catch (e) {
      // Resolved before the first step: nothing has changed yet (exit 2).
      throw e instanceof RunError ? new InputError(e.message) : e;
    }
    if (current?.address) {
      // Read from the server: a well-formed IPv4 address with its prefix, or the run stops here.
      const c = cidr(current.address, `${WG_CONF} Address`);
      if (c.family !== 4) throw new InputError(`${WG_CONF} Address ${JSON.stringify(current.address)} is not IPv4`);
      return formatSubnet(parseSubnet(formatSubnet(subnetOf(current.address)), `${WG_CONF} Address`));
    }
    return formatSubnet(chooseSubnet(hostNetworks([...facts.network.addresses, ...facts.network.routes])));
  },
};

/** The run reaches the server on an address inside the tunnel network: it came through the tunnel. */
function throughTunnel(access: {host: string; kind: 'ssh' | 'local'}, tunnelNet: string): boolean {
  return access.kind === 'ssh' && insideNetwork(access.host, tunnelNet);
}

/** Lowest free host number in the subnet (.1 is the server); never one a current peer holds. */
function allocate(subnet: Subnet4, taken: Set<string>): string {
  for (let n = 2; n < size(subnet) - 1; n++) {
    const a = hostAddress(subnet, n);
    if (!taken.has(a)) return a;
  }
  throw new Error(`the tunnel subnet ${formatSubnet(subnet)} is full`);
}

export const wireguard: Step<WgParams> = {
  id: 'wireguard',
  title: 'WireGuard',
  why: 'A WireGuard tunnel becomes the one way in: SSH and internal services are then reachable only through it, and the only public port left is a UDP port that answers nobody without a key.',
  risk: 'reversible',
  undo: 'wg0.conf, its key and the service drop-in are restored to their previous bytes (removed if new) and wg-quick@wg0 returns to its previous state; installed packages stay.',
  derives: [wgSubnetDefault],
  params: wgParams,
  // The peers' public keys held on this machine (made for an apply), and the endpoint remembered here.
  prepareReads: ['team_file'],
  prepare({values, facts, settings, prepared, create}) {
    const host = serverName(facts.hostname, settings.targetHost);
    const team = prepared.team ?? teamOf(values.team_file);
    const keys: Record<string, string> = {...prepared.peerKeys};
    for (const n of wantedPeers(values, settings, team)) {
      const key = create ? peerKeys(host, n).publicKey : knownPeerPublicKey(host, n);
      if (key) keys[n] = key;
    }
    const endpoint = rememberedEndpoint(host, ownPeerName(values.admin_user));
    return {peerKeys: keys, ...(team ? {team} : {}), ...(endpoint ? {endpoint} : {})};
  },
  probe: (facts) => ({
    files: [WG_CONF, serviceOf(facts).file],
    queries: {
      wg_key: `test -s ${WG_KEY}`,
      wg_dir: `stat -c %a ${WG_DIR}`,
      wg_active: serviceOf(facts).activeQuery,
      wg_journal_starts: JOURNAL_STARTS,
    },
  }),
  offline: () => ({
    queries: {wg_key: {code: 1, out: ''}, wg_dir: {code: 1, out: ''}, wg_active: {code: 3, out: 'inactive'}},
  }),
  assume({facts}, plan) {
    // The wg0.conf this plan writes: the steps after it (close-ports) read the tunnel from it.
    const conf = plan.actions.find((a) => a.kind === 'file.write' && a.path === WG_CONF);
    if (conf?.kind !== 'file.write') return {facts};
    const content = withoutNewPeers(conf.content);
    return {facts, probe: {files: {[WG_CONF]: {exists: true, mode: conf.mode, content}}}};
  },
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    const actions: Action[] = [];
    const onRollback: RollbackAction[] = [];
    if (facts.family === 'macos') {
      findings.push({
        level: 'error',
        message:
          'macOS is a WireGuard client, not a server, for portcullis: it has no NAT or firewall hooks for wg-quick',
      });
      return {actions, findings, onRollback};
    }
    const file = probe.files[WG_CONF];
    const current = file?.exists ? parseServerConf(file.content ?? '') : undefined;
    if (file?.exists && !current) {
      findings.push({
        level: 'error',
        message: `${WG_CONF} exists and was not written by portcullis; leave it alone or move it away first`,
      });
      return {actions, findings, onRollback};
    }
    const subnet = p.subnet ?? (current?.address ? subnetOf(current.address) : p.hostSubnet);
    const tunnelNet = current?.address ?? `${hostAddress(subnet, 1)}/${subnet.prefix}`;
    if (p.endpoint && insideNetwork(p.endpoint.host, tunnelNet)) {
      findings.push({
        level: 'error',
        message: `the endpoint ${p.endpoint.host} is inside the tunnel network: a client config must dial the server's public address (--set wg_endpoint=PUBLIC_ADDRESS)`,
      });
      return {actions, findings, onRollback};
    }
    const journaled = journaledEndpoint(probe.queries.wg_journal_starts?.out ?? '', tunnelNet);
    if (throughTunnel(access, tunnelNet) && !p.endpoint && !journaled && p.add.length) {
      findings.push({
        level: 'error',
        message: `this run reaches the server through the tunnel (${access.host}), and no public address of the server for the client configs is remembered on this machine or in the server's journal; nothing was changed`,
        fix: 'pass the address clients dial: --set wg_endpoint=PUBLIC_ADDRESS (or HOST:PORT)',
      });
      return {actions, findings, onRollback};
    }
    const peers: WgPeer[] = (current?.peers ?? []).filter((x) => !p.remove.includes(x.name));
    const taken = new Set(peers.map((x) => x.address));
    for (const name of p.add) {
      const have = peers.find((x) => x.name === name);
      const key = p.keys[name] ?? NEW_KEY;
      if (have) {
        if (key !== NEW_KEY && have.publicKey !== key) {
          findings.push({
            level: 'warn',
            message: `peer ${name} on the server has another key than the one on this machine; it is left as it is (remove and add it to rotate)`,
          });
        }
        continue;
      }
      const address = allocate(subnet, taken);
      taken.add(address);
      peers.push({name, publicKey: key, address});
    }
    const port = current?.listenPort && p.port === 51820 ? current.listenPort : p.port;
    const conf = renderServerConf({
      iface: WG_IFACE,
      address: `${hostAddress(subnet, 1)}/${subnet.prefix}`,
      listenPort: port,
      keyFile: WG_KEY,
      peers,
    });
    const userspace = !facts.wireguard.kernel;
    const pkgs = [
      ...(facts.wireguard.tools ? [] : ['wireguard-tools']),
      ...(userspace && !facts.wireguard.wireguardGo ? ['wireguard-go'] : []),
    ];
    if (pkgs.length) actions.push({kind: 'package.install', manager: facts.packageManager, packages: pkgs});
    if (probe.queries.wg_dir?.out.trim() !== '700')
      actions.push({kind: 'run', label: `create ${WG_DIR} (0700)`, argv: ['install', '-d', '-m', '0700', WG_DIR]});
    if (probe.queries.wg_key?.code !== 0) {
      actions.push({
        kind: 'run',
        label: `create the server's private key ${WG_KEY} (0600, on the server, never read back)`,
        argv: ['sh', '-c', '[ -s "$1" ] || (umask 077; wg genkey > "$1.pc-new" && mv "$1.pc-new" "$1")', 'sh', WG_KEY],
        touches: [WG_KEY],
      });
    }
    const confChanged = !file?.exists || file.content !== conf;
    if (confChanged) actions.push({kind: 'file.write', path: WG_CONF, content: conf, mode: 0o600});
    // wg-quick's stock reload (wg syncconf of `wg-quick strip`) would drop the private key, which lives in its
    // own file here: our service file gives reload the key back, so peers change with tunnels kept up.
    const svc = serviceOf(facts, userspace);
    const unit = svc.unit;
    if (userspace)
      findings.push({
        level: 'info',
        message: 'no WireGuard kernel module here (container-based VPS?): wg-quick runs wireguard-go in userspace',
      });
    if (probe.files[svc.file]?.content !== svc.content) {
      actions.push({kind: 'file.write', path: svc.file, content: svc.content, mode: svc.mode});
      if (svc.reloadManager) {
        actions.push({kind: 'service', op: 'daemon-reload', unit, init: facts.init});
        onRollback.push({kind: 'service', op: 'daemon-reload', unit, init: facts.init});
      }
    }
    const active = probe.queries.wg_active?.out.trim() === 'active';
    if (!active) {
      actions.push({kind: 'service', op: 'enable-now', unit, init: facts.init});
      // The rollback has already taken wg0.conf away, so `wg-quick down` (the unit's stop) cannot read it:
      // the interface is deleted by name (wireguard-go exits with its device).
      onRollback.unshift(svc.disable);
    } else if (confChanged) {
      // wg syncconf under the hood: peers change, connected tunnels stay up.
      actions.push({kind: 'service', op: 'reload', unit, init: facts.init});
      onRollback.push(svc.reload);
    }
    if (actions.length)
      actions.push({kind: 'run', label: `check that ${WG_IFACE} is up`, argv: ['wg', 'show', WG_IFACE, 'listen-port']});
    return {actions, findings, onRollback};
  },
  artifactKind: 'client-config',
  async afterApply({run, params: p, access, facts}) {
    const server = serverName(facts.hostname, access.host);
    const pub = await run(`wg pubkey < ${WG_KEY}`);
    const conf = await run(`cat ${WG_CONF}`);
    const parsed = parseServerConf(conf.stdout);
    if (pub.code !== 0 || !parsed?.address) return [];
    // The server's answer goes into files wg-quick runs as root here: exactly one key, or nothing is written.
    const serverKey = pub.stdout.replace(/\n$/, '');
    if (!isWgKey(serverKey))
      throw new RunError(
        `the server answered \`wg pubkey\` with ${printable(JSON.stringify(serverKey.slice(0, 80)))}, which is not a WireGuard public key: no client config was written (is the server compromised?)`,
      );
    // Removed on the server (peers remove, a team member who left): their key goes from here too.
    for (const name of p.remove) if (!parsed.peers.some((x) => x.name === name)) retirePeer(server, name);
    const subnet = formatSubnet(subnetOf(parsed.address));
    const listenPort = parsed.listenPort ?? p.port;
    // Through the tunnel, the endpoint is the public one (the plan refused without one); else the address
    // this run came in on, remembered for the runs that come through the tunnel later.
    const inTunnel = throughTunnel(access, parsed.address);
    let endpoint = p.endpointGiven || inTunnel ? p.endpoint : {host: access.host};
    if (!endpoint && inTunnel) {
      // Not remembered on this machine: the server's journal says where the run that set it up came in.
      endpoint = journaledEndpoint((await run(JOURNAL_STARTS)).stdout, parsed.address);
      if (endpoint) rememberEndpoint(server, endpoint);
    }
    if (endpoint && !inTunnel) rememberEndpoint(server, endpoint);
    const out: string[] = [];
    for (const name of p.add) {
      const peer = parsed.peers.find((x) => x.name === name);
      if (!peer) continue;
      const keys = peerKeys(server, name);
      if (keys.publicKey !== peer.publicKey) continue;
      const e = endpoint ?? rememberedEndpoint(server, name);
      if (!e) continue;
      const text = renderClientConf({
        privateKey: keys.privateKey,
        address: peer.address,
        serverPublicKey: serverKey,
        endpoint: formatEndpoint(e, listenPort),
        allowedIps: subnet,
      });
      out.push(writeClientConf(server, name, text));
    }
    return out;
  },
};
