import {spawnSync} from 'node:child_process';
import {execa} from 'execa';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the timeout option fired (code is then 124, as with timeout(1)). */
  timedOut?: boolean;
}

export interface RunOptions {
  /** Milliseconds; the child gets SIGKILL when exceeded. */
  timeout?: number;
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Aborting kills the child with killSignal (default SIGTERM). */
  signal?: AbortSignal;
  killSignal?: NodeJS.Signals;
}

const SIGNAL_NUMBERS: Partial<Record<string, number>> = {SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15};

/** Exit code in shell convention: 128+n for a signal, 124 for a timeout, -1 if it never ran. */
export function exitCodeOf(r: {exitCode?: number; signal?: string; timedOut?: boolean}): number {
  if (r.timedOut) return 124;
  if (r.exitCode !== undefined) return r.exitCode;
  if (r.signal) return 128 + (SIGNAL_NUMBERS[r.signal] ?? 0);
  return -1;
}

/** Runs a program without a shell; never rejects on a non-zero exit. */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await execa(file, args, {
    reject: false,
    timeout: opts.timeout,
    input: opts.input,
    env: opts.env,
    cwd: opts.cwd,
    cancelSignal: opts.signal,
    killSignal: opts.killSignal ?? (opts.timeout ? 'SIGKILL' : 'SIGTERM'),
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
  });
  return {
    code: exitCodeOf(r),
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    ...(r.timedOut ? {timedOut: true} : {}),
  };
}

/** Like run() but throws (with stderr) unless the exit code is 0. */
export async function runOk(file: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Synchronous variant for exit handlers, where no promise will ever settle. */
export function runSync(file: string, args: readonly string[], timeoutMs = 10_000): RunResult {
  const r = spawnSync(file, args, {encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe']});
  return {
    code: r.status ?? (r.signal ? 128 + (SIGNAL_NUMBERS[r.signal] ?? 0) : -1),
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? (r.error ? String(r.error) : ''),
  };
}

/** Blocks the thread; only for the synchronous teardown path. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
