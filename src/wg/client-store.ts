import {createHash} from 'node:crypto';
import {chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {stateHome} from '../core/paths.js';
import {safeName} from '../util/validate.js';
import {generateKeyPair, publicKeyOf, type WgKeyPair} from './keys.js';

/**
 * Client configs live on the operator's machine only: one 0600 file per peer, named after the host and
 * the peer, in a 0700 directory. The peer's private key is created here and never leaves this machine.
 */
export function clientDir(create = true): string {
  const d = join(stateHome(), 'portcullis', 'wireguard');
  if (create) {
    mkdirSync(d, {recursive: true, mode: 0o700});
    chmodSync(d, 0o700);
  }
  return d;
}

/**
 * Which server a peer belongs to: its own hostname, so the same peer is found whether the server is
 * reached by its public address or through the tunnel; the address only when the hostname is unknown.
 */
export function serverName(hostname: string, address: string): string {
  return hostSlug(hostname || address);
}

export function hostSlug(host: string): string {
  return host.replace(/[^A-Za-z0-9.-]/g, '_');
}

export function clientConfPath(host: string, peer: string, create = true): string {
  return join(clientDir(create), `${hostSlug(host)}-${safeName(peer, 'peer name')}.conf`);
}

const keyPath = (host: string, peer: string, create = true) =>
  clientConfPath(host, peer, create).replace(/\.conf$/, '.key');

/** The peer's key pair, created on first use. Idempotent: a second run reuses the same key. */
export function peerKeys(host: string, peer: string): WgKeyPair {
  const kp = keyPath(host, peer);
  if (existsSync(kp)) {
    const privateKey = readFileSync(kp, 'utf8').trim();
    return {privateKey, publicKey: publicKeyOf(privateKey)};
  }
  const pair = generateKeyPair();
  writeFileSync(kp, `${pair.privateKey}\n`, {mode: 0o600, flag: 'wx'});
  return pair;
}

/** The public key of a peer we already hold, without creating one. */
export function knownPeerPublicKey(host: string, peer: string): string | undefined {
  const kp = keyPath(host, peer, false);
  return existsSync(kp) ? publicKeyOf(readFileSync(kp, 'utf8').trim()) : undefined;
}

export function writeClientConf(host: string, peer: string, text: string): string {
  const p = clientConfPath(host, peer);
  writeFileSync(p, text, {mode: 0o600});
  chmodSync(p, 0o600);
  return p;
}

/**
 * A peer the server no longer has: its private key and client config are deleted from this machine, so
 * adding the same name again makes a new key (a leaked old config never works again). The deleted paths.
 */
export function retirePeer(host: string, peer: string): string[] {
  const gone: string[] = [];
  for (const p of [keyPath(host, peer, false), clientConfPath(host, peer, false)])
    if (existsSync(p)) {
      rmSync(p, {force: true});
      gone.push(p);
    }
  return gone;
}

/** A wg-quick interface name (<= 15 chars) unique to this machine's state dir, host and peer. */
export function tunnelIfaceName(host: string, peer: string): string {
  return `pcw${createHash('sha256').update(`${stateHome()}|${host}|${peer}`).digest('hex').slice(0, 8)}`;
}
