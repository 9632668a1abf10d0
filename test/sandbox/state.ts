import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {NAME_PATTERN, RUN_ROOT} from './constants.js';

/**
 * Written to RUN_ROOT/<name>/state.json before any resource of the instance exists, and
 * removed last: whoever finds it with a dead owner may tear everything of that name down.
 */
export interface InstanceState {
  name: string;
  dir: string;
  imageHash: string;
  lowerDir: string;
  /** The process whose death makes the instance garbage (the test worker, or the launcher for `up`). */
  ownerPid: number;
  /** /proc/<pid>/stat start time of the owner, so a recycled pid is not mistaken for it. */
  ownerStart: string;
  launcherPid?: number;
  adminKey: boolean;
  /** The `admin` account was removed at first boot (a provider's fresh VPS). */
  noAdmin?: boolean;
  /**
   * Another VPS on the LAN of instance `lan` (its bridge, laptop and attacker), at `ip`/`ip6`: one
   * laptop, several VPSes. Unset: an instance with its own LAN at 192.0.2.10.
   */
  lan?: string;
  ip?: string;
  ip6?: string;
  /** The platform variant it was booted from (image.ts VARIANTS); absent: the plain base image. */
  variant?: string;
  createdAt: string;
}

export const instanceDir = (name: string): string => join(RUN_ROOT, name);
const stateFile = (name: string): string => join(instanceDir(name), 'state.json');

/**
 * Creates the instance directory with its state.json in one rename, so a concurrent reaper
 * never sees a directory of a live instance without an owner.
 */
export function createInstanceDir(state: InstanceState): void {
  mkdirSync(RUN_ROOT, {recursive: true, mode: 0o700});
  const tmp = join(RUN_ROOT, `.new-${state.name}`);
  mkdirSync(tmp, {mode: 0o700});
  writeFileSync(join(tmp, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, state.dir);
}

export function writeState(state: InstanceState): void {
  mkdirSync(state.dir, {recursive: true, mode: 0o700});
  const tmp = `${stateFile(state.name)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, stateFile(state.name));
}

export function readState(name: string): InstanceState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(name), 'utf8')) as InstanceState;
  } catch {
    return undefined;
  }
}

/** Names of every instance directory, whether or not its state file survived. */
export function listInstanceNames(): string[] {
  if (!existsSync(RUN_ROOT)) return [];
  return readdirSync(RUN_ROOT).filter((n) => NAME_PATTERN.test(n));
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or undefined if no such process. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and parentheses: split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function isOwnerAlive(state: Pick<InstanceState, 'ownerPid' | 'ownerStart'>): boolean {
  return processStartTime(state.ownerPid) === state.ownerStart;
}
