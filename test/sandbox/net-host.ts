import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {
  type RunOptions,
  type RunResult,
  run,
  runSync,
  type SandboxChild,
  type StartChildOptions,
  startChild,
} from './run.js';

/** HOME and XDG dirs of a host, all inside the instance directory. */
export interface HostEnv {
  HOME: string;
  XDG_CONFIG_HOME: string;
  XDG_STATE_HOME: string;
  XDG_CACHE_HOME: string;
  XDG_DATA_HOME: string;
  [key: string]: string;
}

export function hostEnv(home: string): HostEnv {
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local/share'),
  };
}

export function createHome(home: string): void {
  for (const d of Object.values(hostEnv(home))) mkdirSync(d, {recursive: true, mode: 0o700});
}

/**
 * A machine on the sandbox LAN that is really the host's filesystem in its own network
 * namespace (`ip netns exec`): the operator's laptop or the attacker. Everything it runs sees
 * only 192.0.2.0/24 and 2001:db8::/64. Commands inherit process.env, overridden by `env`.
 */
export class NetHost {
  constructor(
    readonly netns: string,
    readonly ip: string,
    readonly ip6: string,
    readonly home: string,
  ) {}

  /** HOME/XDG_* for a tool running on this host (its config and state stay in the sandbox). */
  get env(): HostEnv {
    return hostEnv(this.home);
  }

  /** `sh -c cmd` in this host's namespace; never rejects. */
  run(cmd: string, opts: RunOptions = {}): Promise<RunResult> {
    return this.runArgv(['sh', '-c', cmd], opts);
  }

  /** A program (no shell) in this host's namespace; never rejects. */
  runArgv(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.netns, ...argv], {...opts, env: {...this.env, ...opts.env}});
  }

  /**
   * Starts a program (e.g. `node bin/portcullis.js ...`) in this namespace with this host's env
   * and returns at once. `kill('SIGKILL')` hits the program alone (`ip netns exec` execs it, so
   * the pid is the program's), simulating a crash; `killGroup()` also hits its children.
   * stdin stays open (`child.process.stdin`) unless `input` is given, to answer prompts.
   */
  /**
   * SIGKILL to every process in this host's namespace (the tool, its ssh children, a ControlMaster
   * that daemonized, wireguard-go): the operator's machine dies at once. Returns how many were hit.
   */
  killAll(): number {
    const pids = runSync('ip', ['netns', 'pids', this.netns])
      .stdout.split('\n')
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
    let hit = 0;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        hit++;
      } catch {
        // Gone meanwhile.
      }
    }
    return hit;
  }

  spawn(file: string, args: readonly string[] = [], opts: StartChildOptions = {}): SandboxChild {
    return startChild('ip', ['netns', 'exec', this.netns, file, ...args], {
      stdin: 'pipe',
      ...opts,
      env: {...this.env, ...opts.env},
    });
  }
}
