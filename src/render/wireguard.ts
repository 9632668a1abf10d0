import {InputError} from '../util/errors.js';
import {port as checkPort, safeName} from '../util/validate.js';
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

/** Reads back a conf we wrote: its peers, or undefined when the file is not ours. */
export function parseServerConf(text: string): {peers: WgPeer[]; listenPort?: number; address?: string} | undefined {
  if (!text.startsWith(MANAGED_MARK)) return undefined;
  const peers: WgPeer[] = [];
  let cur: Partial<WgPeer> | undefined;
  let listenPort: number | undefined;
  let address: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith(PEER_MARK)) {
      cur = {name: line.slice(PEER_MARK.length)};
      peers.push(cur as WgPeer);
      continue;
    }
    const m = /^(\w+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, k, v = ''] = m;
    if (k === 'ListenPort' && !cur) listenPort = Number(v);
    else if (k === 'Address' && !cur) address = v;
    else if (k === 'PublicKey' && cur) cur.publicKey = v;
    else if (k === 'AllowedIPs' && cur) cur.address = v.split('/')[0];
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

/** A client config (secret: holds the peer's private key). No DNS line unless asked: it needs resolvconf on Linux. */
export function renderClientConf(c: ClientConfInput): string {
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
