import {spawn} from 'node:child_process';
import {closeSync, openSync, readFileSync} from 'node:fs';
import {LAUNCH_SCRIPT} from './constants.js';
import {runSync} from './run.js';

export interface LaunchSpec {
  name: string;
  dir: string;
  lowerDir: string;
  rootKeys: string;
  /** Empty: admin gets no authorized_keys (the default trap). */
  adminKeys: string;
  /** Remove the `admin` account at first boot. */
  noAdmin?: boolean;
  bootLog: string;
}

/**
 * Starts launch.sh (overlay mount + first-boot provisioning + nspawn, rebooting on exit 133)
 * in its own session and private mount namespace. It does not depend on this process: stdio
 * goes to the boot log, so it survives us (teardown finds it by name). Resolves with its pid.
 */
export async function launchContainer(spec: LaunchSpec): Promise<number> {
  const out = openSync(spec.bootLog, 'a');
  try {
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'bash', LAUNCH_SCRIPT, spec.name], {
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        LANG: 'C.UTF-8',
        PC_LOWER: spec.lowerDir,
        PC_DIR: spec.dir,
        PC_ROOT_KEYS: spec.rootKeys,
        PC_ADMIN_KEYS: spec.adminKeys,
        PC_NO_ADMIN: spec.noAdmin ? '1' : '',
      },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    if (child.pid === undefined) throw new Error('launcher has no pid');
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** The container's PID 1 as seen from the host: in the vps netns, with NSpid ending in 1. */
export function findLeaderPid(vpsNetns: string): number | undefined {
  const pids = runSync('ip', ['netns', 'pids', vpsNetns])
    .stdout.split('\n')
    .filter((l) => /^\d+$/.test(l));
  for (const pid of pids) {
    try {
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.split(/\s+/) ?? [];
      if (nspid.length > 1 && nspid[nspid.length - 1] === '1') return Number(pid);
    } catch {
      // Exited meanwhile.
    }
  }
  return undefined;
}

/** Clean root environment inside the VPS: nothing of the host's env leaks into commands. */
const VPS_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'USER=root'];

/** nsenter argv running `/bin/sh -c cmd` as root inside the container, out of band (no SSH). */
export function nsenterArgv(leaderPid: number, cmd: string, extraEnv: readonly string[] = []): string[] {
  return [
    '--target',
    String(leaderPid),
    '--mount',
    '--uts',
    '--ipc',
    '--net',
    '--pid',
    '--cgroup',
    '--',
    '/usr/bin/env',
    '-i',
    ...VPS_ENV,
    'LOGNAME=root',
    'LANG=C.UTF-8',
    'TERM=dumb',
    'DEBIAN_FRONTEND=noninteractive',
    ...extraEnv,
    '/bin/sh',
    '-c',
    cmd,
  ];
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
