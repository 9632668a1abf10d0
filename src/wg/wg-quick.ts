import {basename, dirname, join} from 'node:path';
import {quote} from '../util/shell.js';

/** What wg-quick accepts as an interface name, which it takes from the config's file name. */
const IFACE = /^[a-zA-Z0-9_=+.-]{1,15}$/;

/**
 * The exact command that brings a client config up on a laptop. wg-quick names the interface after the
 * file, so a name it refuses (longer than 15 characters: a long host name) is first copied under `iface`
 * next to it, in the same place `--connect-tunnel` keeps its copy (wg/tunnel.ts).
 */
export function wgQuickUp(confPath: string, iface: string): string {
  const name = basename(confPath).replace(/\.conf$/, '');
  if (confPath.endsWith('.conf') && IFACE.test(name)) return `sudo wg-quick up ${quote(confPath)}`;
  const up = join(dirname(confPath), 'up');
  const copy = join(up, `${iface}.conf`);
  return `mkdir -p -m 700 ${quote(up)} && cp -p ${quote(confPath)} ${quote(copy)} && sudo wg-quick up ${quote(copy)}`;
}

/** The command that draws a client config's QR code in another terminal (qrencode, margin 2 as here). */
export function qrencodeCommand(confPath: string): string {
  return `qrencode -t ansiutf8 -m 2 < ${quote(confPath)}`;
}
