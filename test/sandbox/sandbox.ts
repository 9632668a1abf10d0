import {randomBytes} from 'node:crypto';
import {copyFileSync, existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {ATTACKER_IP, ATTACKER_IP6, LAPTOP_IP, LAPTOP_IP6, NAME_PATTERN, VPS_IP, VPS_IP6} from './constants.js';
import {findLeaderPid, isAlive, launchContainer, nsenterArgv} from './container.js';
import {track, untrack} from './exit-hooks.js';
import {ensureImage, ensureVariant, type Variant} from './image.js';
import {createOperatorKeys, type OperatorKeys} from './keys.js';
import {Laptop} from './laptop.js';
import {createHome, NetHost} from './net-host.js';
import {createNetwork, joinNetwork, netnsName} from './network.js';
import {e2eBlocker} from './preflight.js';
import {type RunOptions, type RunResult, run, sleep} from './run.js';
import {createInstanceDir, type InstanceState, instanceDir, processStartTime, readState, writeState} from './state.js';
import {reapGarbage, teardownSync} from './teardown.js';

export interface StartOptions {
  /** Also install the operator key for `admin` (default false: portcullis must do it). */
  adminKey?: boolean;
  /**
   * A provider's fresh VPS: no `admin` account at all (removed at first boot), only root with the
   * operator key (default false: the image's `admin` sudo user with a password exists).
   */
  noAdmin?: boolean;
  /**
   * False: root gets no authorized key, only its password (`root-pw`), as most providers hand a VPS over; with
   * `noAdmin`, password-only root is the one way in (default true: root accepts the operator key).
   */
  rootKey?: boolean;
  /**
   * Boot this VPS on the LAN of `lan` instead of a LAN of its own: same bridge, same laptop (whose key
   * root accepts) and attacker, at `ip`/`ip6` (distinct per VPS, in 192.0.2.0/24 and 2001:db8::/64).
   * Stop it before or after `lan`, either way nothing is left.
   */
  lan?: {of: Sandbox; ip: string; ip6: string};
  /**
   * A platform variant instead of the plain Debian 12 image (issue 17): `ssh-socket` (sshd socket-activated,
   * the Ubuntu 24.04 stand-in), `nftables` (Debian's stock nftables.service ruleset, no ufw: the Arch stand-in),
   * `firewalld` (the RHEL stand-in), `docker` (Debian's docker.io running: issue 18), all overlay layers over the
   * cached base; `trixie` (Debian 13, a whole image of that suite from the base recipe); `openrc` (sysvinit +
   * OpenRC, no systemd running: the Alpine stand-in). Built once and cached beside the base.
   */
  variant?: Variant;
  /** Outlive this process (for `npm run sandbox -- up`): no exit hooks, the launcher owns it. */
  detached?: boolean;
  /** Default 60 s; start() rejects (after tearing down) if the VPS is not ready by then. */
  bootTimeoutMs?: number;
  /** Progress and timing lines; default console.log. Pass `() => {}` for silence. */
  log?: (line: string) => void;
}

export interface BootTimings {
  /** Ensuring the base image (0-ish when cached). */
  imageMs: number;
  networkMs: number;
  /** Launch → sshd banner received on the laptop. */
  sshMs: number;
  /** Launch → `systemctl is-system-running --wait` returned (all boot jobs done). */
  systemMs: number;
  /** Whole start(), as a test sees it. */
  totalMs: number;
  /** is-system-running's answer: `running`, or `degraded` if a unit failed. */
  systemState: string;
}

const paths = (dir: string) => ({
  bootLog: join(dir, 'boot.log'),
  laptopHome: join(dir, 'laptop'),
  attackerHome: join(dir, 'attacker'),
  rootKeys: join(dir, 'root_authorized_keys'),
});

const keysIn = (home: string): OperatorKeys => ({
  keyPath: join(home, '.ssh/id_ed25519'),
  pubKeyPath: join(home, '.ssh/id_ed25519.pub'),
  knownHostsPath: join(home, '.ssh/known_hosts'),
  sshConfigPath: join(home, '.ssh/config'),
});

/** A booted "fresh VPS" plus the laptop and attacker next to it. */
export class Sandbox {
  readonly ip: string;
  readonly ip6: string;
  readonly laptop: Laptop;
  readonly attacker: NetHost;
  readonly bootLogPath: string;
  timings: BootTimings | undefined;
  private stopped = false;

  constructor(readonly state: InstanceState) {
    const p = paths(state.dir);
    this.ip = state.ip ?? VPS_IP;
    this.ip6 = state.ip6 ?? VPS_IP6;
    this.bootLogPath = p.bootLog;
    // A VPS on another instance's LAN shares that instance's laptop and attacker.
    const lan = state.lan ?? state.name;
    const home = paths(instanceDir(lan));
    this.laptop = new Laptop(
      netnsName(lan, 'lap'),
      LAPTOP_IP,
      LAPTOP_IP6,
      home.laptopHome,
      lan,
      keysIn(home.laptopHome),
    );
    this.attacker = new NetHost(netnsName(lan, 'att'), ATTACKER_IP, ATTACKER_IP6, home.attackerHome);
  }

  get name(): string {
    return this.state.name;
  }

  get keyPath(): string {
    return this.laptop.keyPath;
  }

  get sshConfigPath(): string {
    return this.laptop.sshConfigPath;
  }

  get netns(): string {
    return netnsName(this.name, 'vps');
  }

  /** PID (host view) of the container's systemd, or undefined while it is down/rebooting. */
  leaderPid(): number | undefined {
    return findLeaderPid(this.netns);
  }

  /**
   * Runs `/bin/sh -c cmd` as root inside the VPS via nsenter: works whatever portcullis did to
   * sshd or the firewall. Throws only if the container is not running.
   */
  async exec(cmd: string, opts: RunOptions = {}): Promise<RunResult> {
    const pid = this.leaderPid();
    if (pid === undefined) throw new Error(`vps ${this.name} is not running (see ${this.bootLogPath})`);
    return run('nsenter', nsenterArgv(pid, cmd), {timeout: 120_000, ...opts});
  }

  /** exec() that throws unless the exit code is 0; returns stdout. */
  async execOk(cmd: string, opts: RunOptions = {}): Promise<string> {
    const r = await this.exec(cmd, opts);
    if (r.code !== 0) throw new Error(`vps: \`${cmd}\` exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  async readFile(path: string): Promise<string> {
    return this.execOk(`cat -- '${path.replaceAll("'", `'\\''`)}'`);
  }

  async writeFile(path: string, content: string, mode = '0644'): Promise<void> {
    const q = `'${path.replaceAll("'", `'\\''`)}'`;
    await this.execOk(`umask 077 && cat > ${q} && chmod ${mode} ${q}`, {input: content});
  }

  /** Boot log tail (nspawn + systemd console), for error messages. */
  bootLogTail(lines = 40): string {
    if (!existsSync(this.bootLogPath)) return '(no boot log)';
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colour codes
    const text = readFileSync(this.bootLogPath, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
    return text.split('\n').slice(-lines).join('\n');
  }

  /**
   * Resolves once sshd answers on 192.0.2.10:22 from the laptop and systemd has finished
   * booting. Rejects with the boot log if the launcher dies or the deadline passes.
   */
  async waitReady(
    timeoutMs: number,
    since = Date.now(),
  ): Promise<Pick<BootTimings, 'sshMs' | 'systemMs' | 'systemState'>> {
    const deadline = since + timeoutMs;
    const fail = (why: string) => new Error(`vps ${this.name}: ${why}\n--- boot log ---\n${this.bootLogTail()}`);
    let sshMs = -1;
    while (sshMs < 0) {
      if (!isAlive(this.state.launcherPid)) throw fail('launcher exited during boot');
      const r = await this.laptop.runArgv(['bash', '-c', `exec 3<>/dev/tcp/${this.ip}/22 && head -c 7 <&3`], {
        timeout: 2000,
      });
      if (r.stdout === 'SSH-2.0') sshMs = Date.now() - since;
      else if (Date.now() > deadline) throw fail(`sshd not answering after ${timeoutMs} ms`);
      else await sleep(50);
    }
    const left = Math.max(deadline - Date.now(), 1000);
    // Without systemd (the openrc variant): OpenRC has reached the default runlevel, its runner (`openrc default`,
    // exec'd by /etc/init.d/rc) has exited, and no service is still starting (between two services none is).
    const sys = await this.exec(
      'if [ -d /run/systemd/system ]; then exec systemctl is-system-running --wait; fi; ' +
        'until [ "$(rc-status --runlevel 2>/dev/null)" = default ] && ! pgrep -x openrc >/dev/null && [ -z "$(ls -A /run/openrc/starting 2>/dev/null)" ]; do sleep 0.1; done; ' +
        'if rc-status --crashed >/dev/null 2>&1; then echo degraded; else echo running; fi',
      {timeout: left},
    );
    const systemState = sys.stdout.trim();
    if (sys.timedOut) throw fail(`boot not finished after ${timeoutMs} ms`);
    return {sshMs, systemMs: Date.now() - since, systemState};
  }

  /** `systemctl reboot` inside, then waits until it is ready again (same disk, same keys). */
  async reboot(timeoutMs = 60_000): Promise<void> {
    const since = Date.now();
    const old = this.leaderPid();
    await this.exec('if [ -d /run/systemd/system ]; then systemctl reboot; else reboot; fi', {timeout: 10_000});
    while (this.leaderPid() === old || this.leaderPid() === undefined) {
      if (!isAlive(this.state.launcherPid)) throw new Error(`vps ${this.name} did not come back from reboot`);
      if (Date.now() - since > timeoutMs) throw new Error(`vps ${this.name}: reboot took over ${timeoutMs} ms`);
      await sleep(50);
    }
    await this.waitReady(timeoutMs, since);
  }

  /**
   * A power cut, then power on, on the same disk: the container's PID 1 is SIGKILLed from the host, so
   * nothing of a shutdown runs (no unit is stopped, nothing is cleaned up), as a provider's hard reset or
   * a kernel panic would leave it; then the VPS boots again on the same overlay (same keys, same files)
   * in the same network namespace. Resolves once it is ready again; returns when it went down (epoch ms).
   */
  async powerCycle(timeoutMs = 60_000): Promise<number> {
    const since = Date.now();
    const pid = this.leaderPid();
    if (pid === undefined) throw new Error(`vps ${this.name} is not running`);
    const launcher = this.state.launcherPid;
    process.kill(pid, 'SIGKILL');
    const down = Date.now();
    // nspawn exits (not 133: no reboot was asked for), and with it the launcher and its overlay mount.
    while (isAlive(launcher) || this.leaderPid() !== undefined) {
      if (Date.now() - since > timeoutMs)
        throw new Error(`vps ${this.name}: still up ${timeoutMs} ms after the power cut`);
      await sleep(20);
    }
    const p = paths(this.state.dir);
    this.state.launcherPid = await launchContainer({
      name: this.name,
      dir: this.state.dir,
      lowerDir: this.state.lowerDir,
      rootKeys: p.rootKeys,
      adminKeys: '',
      noAdmin: this.state.noAdmin === true,
      bootLog: p.bootLog,
    });
    // A detached instance (`npm run sandbox -- up`) is owned by its launcher: by the new one now.
    if (this.state.ownerPid === launcher) {
      this.state.ownerPid = this.state.launcherPid;
      this.state.ownerStart = processStartTime(this.state.launcherPid) ?? '';
    }
    writeState(this.state);
    await this.waitReady(timeoutMs, since);
    return down;
  }

  /** Removes every process, namespace, mount, socket and file of this instance. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    teardownSync(this.name);
    untrack(this.name);
  }
}

/**
 * Boots a fresh VPS (copy-on-write over the cached image) and resolves when sshd answers from
 * the laptop and the boot has finished. On any failure, everything already created is torn
 * down before the error propagates. Leftovers of crashed earlier runs are reaped first.
 */
export async function start(opts: StartOptions = {}): Promise<Sandbox> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const blocker = e2eBlocker();
  if (blocker) throw new Error(`sandbox cannot run here: ${blocker}`);
  const t0 = Date.now();
  for (const r of reapGarbage()) log(`[sandbox] reaped leftovers of ${r.name}`);
  const image = opts.variant
    ? await ensureVariant(opts.variant, (l) => log(`[sandbox] ${l}`)).then((v) => ({...v, rootfs: v.lowerDir}))
    : await ensureImage((l) => log(`[sandbox] ${l}`));
  const imageMs = Date.now() - t0;

  const name = `pc${randomBytes(3).toString('hex')}`;
  const dir = instanceDir(name);
  const state: InstanceState = {
    name,
    dir,
    imageHash: image.hash,
    lowerDir: image.rootfs,
    ownerPid: process.pid,
    ownerStart: processStartTime(process.pid) ?? '',
    adminKey: opts.adminKey ?? false,
    noAdmin: opts.noAdmin ?? false,
    ...(opts.variant ? {variant: opts.variant} : {}),
    createdAt: new Date().toISOString(),
    ...(opts.lan ? {lan: opts.lan.of.name, ip: opts.lan.ip, ip6: opts.lan.ip6} : {}),
  };
  createInstanceDir(state);
  if (!opts.detached) track(name);
  const vps = new Sandbox(state);
  try {
    const tNet = Date.now();
    if (opts.lan) await joinNetwork(name, opts.lan.of.name, opts.lan.ip, opts.lan.ip6);
    else await createNetwork(name);
    const networkMs = Date.now() - tNet;
    const p = paths(dir);
    let keys: OperatorKeys;
    if (opts.lan) keys = opts.lan.of.laptop.keys;
    else {
      createHome(p.laptopHome);
      createHome(p.attackerHome);
      keys = await createOperatorKeys(p.laptopHome);
    }
    copyFileSync(keys.pubKeyPath, p.rootKeys);
    const tBoot = Date.now();
    state.launcherPid = await launchContainer({
      name,
      dir,
      lowerDir: image.rootfs,
      rootKeys: opts.rootKey === false ? '' : p.rootKeys,
      adminKeys: state.adminKey ? keys.pubKeyPath : '',
      noAdmin: state.noAdmin === true,
      bootLog: p.bootLog,
    });
    if (opts.detached) {
      state.ownerPid = state.launcherPid;
      state.ownerStart = processStartTime(state.launcherPid) ?? '';
    }
    writeState(state);
    const ready = await vps.waitReady(opts.bootTimeoutMs ?? 60_000, tBoot);
    vps.timings = {imageMs, networkMs, ...ready, totalMs: Date.now() - t0};
    log(
      `[sandbox] ${name}${opts.variant ? ` (${opts.variant})` : ''} up in ${(vps.timings.totalMs / 1000).toFixed(2)} s: sshd answered ${(ready.sshMs / 1000).toFixed(2)} s ` +
        `after launch, boot ${ready.systemState} at ${(ready.systemMs / 1000).toFixed(2)} s` +
        (image.built ? ` (image built in ${(image.ms / 1000).toFixed(0)} s)` : ''),
    );
    return vps;
  } catch (err) {
    await vps.stop();
    throw err;
  }
}

/** A handle on an instance started elsewhere (e.g. by `npm run sandbox -- up`). */
export function attach(name: string): Sandbox {
  if (!NAME_PATTERN.test(name)) throw new Error(`not a sandbox name: ${name}`);
  const state = readState(name);
  if (!state) throw new Error(`no sandbox ${name} on this machine`);
  return new Sandbox(state);
}
