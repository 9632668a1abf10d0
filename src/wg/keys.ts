import {createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes} from 'node:crypto';

const toB64 = (b64url: string) => Buffer.from(b64url, 'base64url').toString('base64');

export interface WgKeyPair {
  privateKey: string;
  publicKey: string;
}

/** Same format as `wg genkey | wg pubkey`: 32-byte X25519 keys in standard base64 (44 characters). */
export function generateKeyPair(): WgKeyPair {
  const {privateKey, publicKey} = generateKeyPairSync('x25519');
  const d = privateKey.export({format: 'jwk'}).d;
  const x = publicKey.export({format: 'jwk'}).x;
  if (!d || !x) throw new Error('x25519 key export failed');
  return {privateKey: toB64(d), publicKey: toB64(x)};
}

/** The equivalent of `wg pubkey`. */
export function publicKeyOf(privateKeyB64: string): string {
  const raw = Buffer.from(privateKeyB64, 'base64');
  if (raw.length !== 32) throw new Error('a WireGuard private key decodes to 32 bytes');
  const key = createPrivateKey({key: {kty: 'OKP', crv: 'X25519', d: raw.toString('base64url'), x: ''}, format: 'jwk'});
  const x = createPublicKey(key).export({format: 'jwk'}).x;
  if (!x) throw new Error('x25519 public key export failed');
  return toB64(x);
}

/** The equivalent of `wg genpsk`. */
export const presharedKey = (): string => randomBytes(32).toString('base64');

export function isWgKey(s: string): boolean {
  return /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(s);
}
