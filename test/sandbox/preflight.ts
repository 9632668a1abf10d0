import {existsSync, readFileSync} from 'node:fs';
import {delimiter, join} from 'node:path';

/** Host programs the sandbox runs (installed by .ci/sandbox-deps.sh). */
export const REQUIRED_PROGRAMS = [
  'systemd-nspawn',
  'debootstrap',
  'dpkg-scanpackages',
  'unshare',
  'nsenter',
  'flock',
  'ip',
  'ssh',
  'ssh-keygen',
  'sshpass',
  'wg',
  'wg-quick',
  'wireguard-go',
  'nft',
  'nmap',
  'nc',
  'curl',
] as const;

function onPath(program: string): boolean {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  return dirs.some((d) => d !== '' && existsSync(join(d, program)));
}

/** Why the e2e sandbox cannot run on this machine, or undefined if it can. */
export function e2eBlocker(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, overlayfs, systemd-nspawn)';
  const missing = REQUIRED_PROGRAMS.filter((p) => !onPath(p));
  if (missing.length > 0) return `missing ${missing.join(', ')} (run .ci/sandbox-deps.sh)`;
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) return 'kernel has no overlayfs';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun (wireguard-go needs it)';
  return undefined;
}
