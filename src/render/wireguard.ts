import {InputError, RunError} from '../util/errors.js';
import {printable} from '../util/terminal.js';
import {port as checkPort, hostName, isIPv4, safeName} from '../util/validate.js';
import {isWgKey} from '../wg/keys.js';

export interface WgPeer {
  name: string;
  publicKey: string;
  /** The peer's tunnel address (IPv4, no prefix). */
  address: string;
}

export interface WgServer {
  iface: string;
  /** Server tunnel address with the subnet's prefix, e.g. 10.66.0.1/24. */
  address: string;
  listenPort: number;
  keyFile: string;
  peers: WgPeer[];
}

export const MANAGED_MARK = '# Managed by portcullis';
/** Shown in dry-runs for a peer whose key will be created on the operator's machine when the run applies. */
export const NEW_KEY = '(new key, created on your machine when applied)';
const PEER_MARK = '# portcullis-peer: ';

function checkPeer(p: WgPeer): void {
  safeName(p.name, 'peer name');
  if (p.publicKey !== NEW_KEY && !isWgKey(p.publicKey))
    throw new InputError(`peer ${p.name}: public key is not a WireGuard key`);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(p.address)) throw new InputError(`peer ${p.name}: address ${p.address} is not IPv4`);
}

/**
 * The server's wg0.conf. It holds no secret: the private key stays in keyFile (0600, written on the
 * server by `wg genkey`, never read back) and PostUp loads it, so the file can be diffed in a plan.
 */
export function renderServerConf(s: WgServer): string {
  checkPort(s.listenPort, 'wg_port');
  const lines = [
    `${MANAGED_MARK}. The private key lives in ${s.keyFile} (0600) and is loaded by PostUp;`,
    '# peers are added and removed with `portcullis peers`.',
    '[Interface]',
    `Address = ${s.address}`,
    `ListenPort = ${s.listenPort}`,
    `PostUp = wg set %i private-key ${s.keyFile}`,
  ];
  for (const p of [...s.peers].sort((a, b) => a.name.localeCompare(b.name))) {
    checkPeer(p);
    lines.push('', `${PEER_MARK}${p.name}`, '[Peer]', `PublicKey = ${p.publicKey}`, `AllowedIPs = ${p.address}/32`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A planned server conf without the peers whose keys are made only when applied (NEW_KEY): what a dry
 * run's later steps read back, every value of it one parseServerConf accepts.
 */
export function withoutNewPeers(conf: string): string {
  return conf
    .split('\n\n')
    .filter((block) => !block.includes(`PublicKey = ${NEW_KEY}`))
    .join('\n\n');
}

/**
 * What the server says is data to check, never to trust: a value that is not what portcullis wrote
 * there stops the run before it reaches a file or a command on the operator's machine.
 */
function fromServer(what: string, value: string, expected: string): never {
  const shown = printable(JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value));
  throw new RunError(
    `the server's ${what} ${shown} is not ${expected}: refusing to use it (was its WireGuard config edited by hand, or is the server compromised?)`,
  );
}

/** An interface address with its prefix as portcullis writes it: IPv4, /8 to /30. */
function isIfaceAddress(v: string): boolean {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(v);
  return m !== null && isIPv4(m[1] ?? '') && Number(m[2]) >= 8 && Number(m[2]) <= 30;
}

/**
 * Reads back a conf we wrote: its peers, or undefined when the file is not ours. Every value is checked
 * (peer names, public keys, one IPv4 /32 per peer, ListenPort, Address): anything else throws a RunError.
 */
export function parseServerConf(text: string): {peers: WgPeer[]; listenPort?: number; address?: string} | undefined {
  if (!text.startsWith(MANAGED_MARK)) return undefined;
  const peers: WgPeer[] = [];
  let cur: Partial<WgPeer> | undefined;
  let listenPort: number | undefined;
  let address: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith(PEER_MARK)) {
      const name = line.slice(PEER_MARK.length);
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(name)) fromServer('peer name', name, 'a peer name');
      cur = {name};
      peers.push(cur as WgPeer);
      continue;
    }
    const m = /^(\w+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, k, v = ''] = m;
    if (k === 'ListenPort' && !cur) {
      if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) fromServer('ListenPort', v, 'a port (1-65535)');
      listenPort = Number(v);
    } else if (k === 'Address' && !cur) {
      if (!isIfaceAddress(v)) fromServer('Address', v, 'an IPv4 address with a /8 to /30 prefix');
      address = v;
    } else if (k === 'PublicKey' && cur) {
      if (!isWgKey(v)) fromServer(`public key of peer ${cur.name}`, v, 'a WireGuard key');
      cur.publicKey = v;
    } else if (k === 'AllowedIPs' && cur) {
      const ip = v.endsWith('/32') ? v.slice(0, -3) : '';
      if (!isIPv4(ip)) fromServer(`AllowedIPs of peer ${cur.name}`, v, 'one IPv4 address with /32');
      cur.address = ip;
    }
  }
  return {peers: peers.filter((p) => p.publicKey && p.address), listenPort, address};
}

export interface ClientConfInput {
  privateKey: string;
  address: string;
  serverPublicKey: string;
  endpoint: string;
  allowedIps: string;
  dns?: string;
}

/** host:port or [IPv6]:port, nothing else: an Endpoint line that cannot carry a second line or a hook. */
function isEndpoint(v: string): boolean {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(v);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) return false;
  try {
    hostName(m[1] ?? m[2] ?? '');
    return true;
  } catch {
    return false;
  }
}

const isNet4 = (n: string) => {
  const [ip = '', prefix = ''] = n.split('/');
  return isIPv4(ip) && /^\d{1,2}$/.test(prefix) && Number(prefix) <= 32;
};

/**
 * A client config (secret: holds the peer's private key). No DNS line unless asked: it needs resolvconf on
 * Linux. wg-quick runs what a config says (PreUp, PostUp...) as root on the operator's machine, so every
 * field is checked to be exactly one value of its kind; anything else throws and nothing is written.
 */
export function renderClientConf(c: ClientConfInput): string {
  const bad = (what: string, v: string, expected: string): never => {
    throw new RunError(
      `client config: ${what} ${printable(JSON.stringify(v.slice(0, 60)))} is not ${expected}; no client config was written`,
    );
  };
  if (!isWgKey(c.privateKey)) bad('the private key', '(withheld)', 'a WireGuard key');
  if (!isWgKey(c.serverPublicKey)) bad("the server's public key", c.serverPublicKey, 'a WireGuard key');
  if (!isIPv4(c.address)) bad('the address', c.address, 'an IPv4 address');
  if (!isEndpoint(c.endpoint)) bad('the endpoint', c.endpoint, 'host:port');
  if (!c.allowedIps.split(/,\s*/).every(isNet4)) bad('AllowedIPs', c.allowedIps, 'a list of IPv4 networks');
  if (c.dns !== undefined && !c.dns.split(/,\s*/).every(isIPv4)) bad('DNS', c.dns, 'a list of IPv4 addresses');
  return [
    '[Interface]',
    `PrivateKey = ${c.privateKey}`,
    `Address = ${c.address}/32`,
    ...(c.dns ? [`DNS = ${c.dns}`] : []),
    '',
    '[Peer]',
    `PublicKey = ${c.serverPublicKey}`,
    `Endpoint = ${c.endpoint}`,
    `AllowedIPs = ${c.allowedIps}`,
    'PersistentKeepalive = 25',
    '',
  ].join('\n');
}
