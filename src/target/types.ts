export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Called with each line of stdout/stderr as it arrives (for a bounded live tail). */
  onLine?: (line: string) => void;
}

/** A way in to test: who logs in, where, on which port. Unset fields keep the run's own. */
export interface ProofRoute {
  user?: string;
  host?: string;
  port?: number;
  timeoutS?: number;
}

/**
 * Asks for the sudo password of `user` on `host` (the login a target runs as); undefined: none is given.
 * The answer lives in memory only, for the process: never on disk, never in an argv (sudo reads it on stdin).
 */
export type SudoAsker = (who: {user: string; host: string}) => Promise<string | undefined>;

export type ProbeResult = {ok: true; ms: number} | {ok: false; reason: string; ms: number};

/**
 * The one port through which every step touches a server. Scripts run as root (through sudo when the
 * login is not root); the script's $1 is the SSH_CONNECTION the login saw, captured before sudo drops it.
 * A non-zero exit is data, not a throw; a throw means the target could not be reached at all.
 */
export interface Target {
  readonly kind: 'ssh' | 'local';
  /** How the operator names it: "root@203.0.113.5:22" or "local". */
  readonly label: string;
  /** Host part to show in commands the operator can type, and to name state directories. */
  readonly host: string;
  readonly user: string;
  readonly port: number;
  run(script: string, opts?: RunOptions): Promise<ExecResult>;
  /** Opens a new, independent connection (never the multiplexed one) and runs `true`. */
  probe(route: ProofRoute): Promise<ProbeResult>;
  /** The ssh command line an operator would type to take a given route (shown during confirmation windows). */
  describeRoute(route: ProofRoute): string;
  /**
   * A session on the target that lives exactly as long as this process: its pid (as root sees it) marks
   * a lock as held. If this process dies, even by SIGKILL, the session ends and the pid disappears.
   */
  hold(): Promise<{pid: number; release: () => Promise<void>}>;
  /**
   * The same server another way in: a new target over `route`, pinned to the same host key, with the same
   * credentials. Absent where there is no other way (a local run).
   */
  reroute?(route: ProofRoute): Promise<Target>;
  /**
   * A way in a committed step of this run proved (admin on the new port, the tunnel). When the target's own
   * way stops answering before a login (the step closed it and the run's connection dropped), commands go
   * that way instead, newest first. Absent for a local run.
   */
  follow?(route: ProofRoute): void;
  /** Round trips made and the time spent waiting on them (benchmarks). */
  readonly stats: {roundTrips: number; waitMs: number};
  close(): Promise<void>;
}

/** Wraps a script so its own exit code can never be confused with ssh's 255 and `exit` inside it is contained. */
export function wrapScript(body: string): string {
  return `(\n${body}\n)\nrc=$?\n[ "$rc" -eq 255 ] && rc=254\nexit "$rc"\n`;
}
