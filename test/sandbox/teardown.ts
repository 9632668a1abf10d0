import {existsSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {NETNS_PATTERN} from './constants.js';
import {allNetns, parseNetnsList} from './network.js';
import {runSync, sleepSync} from './run.js';
import {instanceDir, isOwnerAlive, listInstanceNames, readState} from './state.js';

/** wireguard-go keeps one socket per interface here, shared by every namespace of the host. */
export const WG_SOCKET_DIR = '/var/run/wireguard';

export interface ProcessInfo {
  pid: number;
  cmd: string;
  /** Set when found by namespace membership rather than by name. */
  netns?: string;
}

/** What teardown found (and removed) for one instance name. */
export interface TeardownReport {
  name: string;
  processes: ProcessInfo[];
  netns: string[];
  mounts: string[];
  wgSockets: string[];
  dir: boolean;
}

function readCmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** This process and its ancestors: never killed, even if a command line mentions the name. */
function selfAndAncestors(): Set<number> {
  const out = new Set<number>();
  for (let pid: number | undefined = process.pid; pid && pid > 1 && !out.has(pid); pid = parentOf(pid)) out.add(pid);
  return out;
}

export function allProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = readCmdline(Number(entry));
    if (cmd !== undefined && cmd !== '') out.push({pid: Number(entry), cmd});
  }
  return out;
}

function existingNetns(): string[] {
  return parseNetnsList(runSync('ip', ['netns', 'list']).stdout);
}

function pidsInNetns(ns: string): number[] {
  return runSync('ip', ['netns', 'pids', ns])
    .stdout.split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

/** Launcher (`launch.sh NAME`), nspawn (`--machine=NAME-vps`), wireguard-go / wg-quick (`NAMEwgN`), and every process in the namespaces. */
function processesOf(name: string, netns: readonly string[]): ProcessInfo[] {
  const spare = selfAndAncestors();
  const byPid = new Map<number, ProcessInfo>();
  for (const p of allProcesses()) if (p.cmd.includes(name) && !spare.has(p.pid)) byPid.set(p.pid, p);
  for (const ns of netns) {
    for (const pid of pidsInNetns(ns)) {
      if (!spare.has(pid)) byPid.set(pid, {pid, cmd: readCmdline(pid) ?? '?', netns: ns});
    }
  }
  return [...byPid.values()];
}

function mountsOf(name: string): string[] {
  const dir = instanceDir(name);
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mnt) => mnt === dir || mnt.startsWith(`${dir}/`) || mnt.startsWith(`/run/netns/${name}-`));
}

function wgSocketsOf(name: string): string[] {
  if (!existsSync(WG_SOCKET_DIR)) return [];
  return readdirSync(WG_SOCKET_DIR)
    .filter((f) => f.startsWith(name))
    .map((f) => join(WG_SOCKET_DIR, f));
}

/**
 * Removes everything of one instance: processes (SIGKILL, repeated until none is left, so a
 * half-started or rebooting container cannot respawn), namespaces, stray mounts, wireguard-go
 * sockets, then the instance directory (state.json last). Safe on partial starts and repeatable.
 * Synchronous so that it also works from a process 'exit' handler.
 */
export function teardownSync(name: string): TeardownReport {
  const netnsNow = existingNetns().filter((ns) => allNetns(name).includes(ns));
  const report: TeardownReport = {name, processes: [], netns: netnsNow, mounts: [], wgSockets: [], dir: false};
  const seen = new Map<number, ProcessInfo>();
  for (let attempt = 0; attempt < 100; attempt++) {
    const procs = processesOf(name, netnsNow);
    if (procs.length === 0) break;
    for (const p of procs) {
      seen.set(p.pid, p);
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    sleepSync(50);
  }
  report.processes = [...seen.values()];
  for (const ns of netnsNow) runSync('ip', ['netns', 'delete', ns]);
  report.mounts = mountsOf(name);
  for (const mnt of report.mounts.reverse()) runSync('umount', ['--lazy', mnt]);
  // wireguard-go removes its socket only on a clean exit: also those of interfaces named by
  // the tool under test (not prefixed with our name) whose daemon ran on the laptop or attacker.
  // Not the VPS's: its sockets are in the container's /run, and the same name on the host is not ours.
  const onHostFs = [...seen.values()].filter((p) => p.netns !== undefined && !p.netns.endsWith('-vps'));
  const wgIfaces = onHostFs.flatMap((p) => /^wireguard-go (?:-f )?(\S+)/.exec(p.cmd)?.[1] ?? []);
  const wgByProcess = wgIfaces.map((i) => join(WG_SOCKET_DIR, `${i}.sock`)).filter((f) => existsSync(f));
  report.wgSockets = [...new Set([...wgSocketsOf(name), ...wgByProcess])];
  for (const sock of report.wgSockets) rmSync(sock, {force: true});
  const dir = instanceDir(name);
  if (existsSync(dir)) {
    report.dir = true;
    // Only after the mounts are gone: rm must never descend into a mounted filesystem.
    for (const entry of readdirSync(dir)) {
      if (entry !== 'state.json') rmSync(join(dir, entry), {recursive: true, force: true});
    }
    rmSync(dir, {recursive: true, force: true});
  }
  return report;
}

/**
 * Instance names with something left on this machine whose owner is dead (or is this very
 * process, when includeOwnedBySelf). Looks at instance dirs, netns, processes and sockets, so
 * debris is found even when state.json is already gone.
 */
export function findGarbage(includeOwnedBySelf = false): string[] {
  const names = new Set<string>(listInstanceNames());
  for (const ns of existingNetns()) {
    const m = NETNS_PATTERN.exec(ns);
    if (m?.[1]) names.add(m[1]);
  }
  for (const p of allProcesses()) {
    const m = /(?:launch\.sh |--machine=|wireguard-go |wg-quick .*\/)(pc[0-9a-f]{6})/.exec(p.cmd);
    if (m?.[1]) names.add(m[1]);
  }
  for (const f of existsSync(WG_SOCKET_DIR) ? readdirSync(WG_SOCKET_DIR) : []) {
    const m = /^(pc[0-9a-f]{6})wg/.exec(f);
    if (m?.[1]) names.add(m[1]);
  }
  return [...names].filter((name) => {
    const state = readState(name);
    if (!state) return true;
    if (includeOwnedBySelf && state.ownerPid === process.pid) return true;
    return !isOwnerAlive(state);
  });
}

/** Tears down every instance whose owner died (crashed runs). Returns what was removed. */
export function reapGarbage(includeOwnedBySelf = false): TeardownReport[] {
  return findGarbage(includeOwnedBySelf).map(teardownSync);
}

/** True if the report shows the instance had left anything at all on the machine. */
export const reportIsEmpty = (r: TeardownReport): boolean =>
  r.processes.length === 0 && r.netns.length === 0 && r.mounts.length === 0 && r.wgSockets.length === 0 && !r.dir;
