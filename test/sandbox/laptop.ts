import {existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {OperatorKeys} from './keys.js';
import {NetHost} from './net-host.js';
import type {RunOptions, RunResult} from './run.js';
import {WG_SOCKET_DIR} from './teardown.js';

/** Interface names are global per host for wireguard-go (its socket dir is not per netns). */
export const MAX_IFNAME = 15;

/**
 * Client tunnel config as wg-quick should see it on the laptop: DNS lines are dropped, since
 * wg-quick would hand them to resolvconf and rewrite the host's /etc/resolv.conf.
 */
export function laptopWgConf(conf: string): string {
  return conf
    .split('\n')
    .filter((l) => !/^\s*DNS\s*=/i.test(l))
    .join('\n');
}

/** The operator's machine: holds the operator key and brings up WireGuard client tunnels. */
export class Laptop extends NetHost {
  private wgCounter = 0;
  private readonly wgUpIfaces = new Set<string>();

  constructor(
    netns: string,
    ip: string,
    ip6: string,
    home: string,
    /** Instance name: prefix of the laptop's WireGuard interface names. */
    readonly name: string,
    readonly keys: OperatorKeys,
  ) {
    super(netns, ip, ip6, home);
  }

  get keyPath(): string {
    return this.keys.keyPath;
  }

  get sshConfigPath(): string {
    return this.keys.sshConfigPath;
  }

  /** `ssh -F <sandbox ssh_config> ...args` from the laptop, e.g. ssh('root@192.0.2.10', 'id -u'). */
  ssh(...args: string[]): Promise<RunResult> {
    return this.sshWith({}, ...args);
  }

  sshWith(opts: RunOptions, ...args: string[]): Promise<RunResult> {
    return this.runArgv(['ssh', '-F', this.keys.sshConfigPath, ...args], {timeout: 60_000, ...opts});
  }

  /** A WireGuard interface name no other sandbox on this host uses: `pc<hex>wg<n>` (≤ 15 chars). */
  wgIfaceName(): string {
    for (;;) {
      const iface = `${this.name}wg${this.wgCounter++}`;
      if (iface.length > MAX_IFNAME) throw new Error(`too many WireGuard interfaces for ${this.name}`);
      if (!existsSync(join(WG_SOCKET_DIR, `${iface}.sock`))) return iface;
    }
  }

  private wgConfPath(iface: string): string {
    return join(this.home, 'wireguard', `${iface}.conf`);
  }

  /**
   * Brings up a client tunnel from a wg-quick config (as portcullis would hand to the user),
   * with wireguard-go since this kernel has no WireGuard module. Returns the interface name.
   * Throws with wg-quick's output if it fails.
   */
  async wgUp(conf: string, iface = this.wgIfaceName()): Promise<string> {
    mkdirSync(join(this.home, 'wireguard'), {recursive: true, mode: 0o700});
    writeFileSync(this.wgConfPath(iface), laptopWgConf(conf), {mode: 0o600});
    this.wgUpIfaces.add(iface);
    const r = await this.runArgv(['wg-quick', 'up', this.wgConfPath(iface)], {
      timeout: 30_000,
      env: {WG_QUICK_USERSPACE_IMPLEMENTATION: 'wireguard-go'},
    });
    if (r.code !== 0) {
      await this.wgDown(iface);
      throw new Error(`wg-quick up ${iface} failed (${r.code}): ${stripWgGoBanner(r.stderr)}`);
    }
    return iface;
  }

  /** Takes down one tunnel (or all of this laptop's). Never throws: teardown kills leftovers. */
  async wgDown(iface?: string): Promise<void> {
    for (const i of iface ? [iface] : [...this.wgUpIfaces]) {
      const r = await this.runArgv(['wg-quick', 'down', this.wgConfPath(i)], {timeout: 30_000});
      if (r.code !== 0) await this.runArgv(['ip', 'link', 'delete', 'dev', i]);
      this.wgUpIfaces.delete(i);
    }
  }
}

/** wireguard-go prints a boxed "you should use the kernel module" notice on every start. */
export function stripWgGoBanner(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^[│┌└]/.test(l))
    .join('\n')
    .trim();
}
