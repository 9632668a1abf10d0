import {InputError} from './errors.js';

/**
 * Validators for every value that ends up in a config file or a command. Each returns the value
 * when it is acceptable and throws InputError with a message naming `what` otherwise.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
export const CONTROL = /[\u0000-\u001f\u007f]/;

export function plainText(value: string, what: string, max = 200): string {
  if (CONTROL.test(value)) throw new InputError(`${what} must not contain newlines or control characters`);
  if (value.length > max) throw new InputError(`${what} is longer than ${max} characters`);
  return value;
}

export function userName(value: string, what = 'user name'): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(value)) {
    throw new InputError(
      `${what} ${JSON.stringify(value)} is not a valid login name (lowercase letters, digits, _ and -, starting with a letter or _, at most 32)`,
    );
  }
  return value;
}

export function port(value: string | number, what = 'port'): number {
  const s = String(value);
  if (!/^[0-9]{1,5}$/.test(s)) throw new InputError(`${what} ${JSON.stringify(s)} is not a port number (1-65535)`);
  const n = Number(s);
  if (n < 1 || n > 65535) throw new InputError(`${what} ${n} is out of range (1-65535)`);
  return n;
}

const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/** RFC 4291 text form: eight groups, or fewer around one `::`; never an empty group (`:::`, `1:::2`). */
export function isIPv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(':')) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  const groups = [...groupsOf(halves[0] ?? ''), ...groupsOf(halves[1] ?? '')];
  if (groups.some((g) => g === '')) return false;
  const last = groups[groups.length - 1];
  // A dotted IPv4 tail only ends the address (::ffff:192.0.2.1), never before a `::`.
  const v4tail = last?.includes('.') === true && !s.endsWith('::');
  if (v4tail && !isIPv4(last as string)) return false;
  const hexGroups = v4tail ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  const count = hexGroups.length + (v4tail ? 2 : 0);
  return halves.length === 2 ? count < 8 : count === 8;
}

export function hostName(value: string, what = 'host'): string {
  if (isIPv4(value) || isIPv6(value)) return value;
  if (value.length > 253 || !value.split('.').every((l) => HOST_LABEL.test(l))) {
    throw new InputError(`${what} ${JSON.stringify(value)} is not a host name or IP address`);
  }
  return value;
}

export function ipAddress(value: string, what = 'address'): string {
  if (isIPv4(value) || isIPv6(value)) return value;
  throw new InputError(`${what} ${JSON.stringify(value)} is not an IPv4 or IPv6 address`);
}

export interface Cidr {
  address: string;
  prefix: number;
  family: 4 | 6;
}

export function cidr(value: string, what = 'network'): Cidr {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(value);
  if (!m) throw new InputError(`${what} ${JSON.stringify(value)} is not in CIDR form (like 10.66.0.0/24)`);
  const [, address = '', p = ''] = m;
  const prefix = Number(p);
  if (isIPv4(address) && prefix <= 32) return {address, prefix, family: 4};
  if (isIPv6(address) && prefix <= 128) return {address, prefix, family: 6};
  throw new InputError(`${what} ${JSON.stringify(value)} is not a valid IPv4 or IPv6 network`);
}

const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];

/** An OpenSSH public key line: type, base64 blob whose embedded type matches, optional single-line comment. */
export function sshPublicKey(value: string, what = 'SSH public key'): string {
  const line = plainText(value.trim(), what, 16_384);
  const [type = '', blob = '', ...rest] = line.split(/ +/);
  if (!KEY_TYPES.includes(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) {
    throw new InputError(`${what} is not an OpenSSH public key line ("ssh-ed25519 AAAA... comment")`);
  }
  const raw = Buffer.from(blob, 'base64');
  const len = raw.length >= 4 ? raw.readUInt32BE(0) : -1;
  if (len < 0 || raw.subarray(4, 4 + len).toString('latin1') !== type) {
    throw new InputError(`${what} has a key blob that does not match its type ${type}`);
  }
  const comment = rest.join(' ');
  if (comment && !/^[A-Za-z0-9@._+:=, -]*$/.test(comment)) {
    throw new InputError(`${what} has a comment with characters other than letters, digits and @._+:=,-`);
  }
  return comment ? `${type} ${blob} ${comment}` : `${type} ${blob}`;
}

/** Names that become parts of file names (peers, hosts): no separators, no dots at the start, sane length. */
export function safeName(value: string, what = 'name'): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(value)) {
    throw new InputError(
      `${what} ${JSON.stringify(value)} must be 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return value;
}
