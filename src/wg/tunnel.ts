import {copyFileSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {execa} from 'execa';
import {RunError} from '../util/errors.js';
import {clientDir} from './client-store.js';

/**
 * Brings the peer's tunnel up on this machine with wg-quick (needs root) and leaves it up: it is the
 * operator's way in once the public ports close. Already up: nothing to do.
 */
export async function connectTunnel(confPath: string, iface: string): Promise<string> {
  const up = await execa('wg', ['show', iface], {reject: false});
  if (up.exitCode === 0) return iface;
  const dir = join(clientDir(), 'up');
  mkdirSync(dir, {recursive: true, mode: 0o700});
  const path = join(dir, `${iface}.conf`);
  copyFileSync(confPath, path);
  const r = await execa('wg-quick', ['up', path], {
    reject: false,
    env: {WG_QUICK_USERSPACE_IMPLEMENTATION: process.env.WG_QUICK_USERSPACE_IMPLEMENTATION ?? 'wireguard-go'},
  });
  if (r.exitCode !== 0)
    throw new RunError(
      `could not bring the tunnel up here (wg-quick up ${path}): ${String(r.stderr).trim().split('\n').pop()}`,
    );
  return iface;
}
