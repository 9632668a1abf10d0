import {type ChildProcess, spawn, spawnSync} from 'node:child_process';
import {constants as osConstants} from 'node:os';

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

/** A started child: kill it whenever, await `result` for the usual shape. */
export interface SandboxChild {
  process: ChildProcess;
  pid: number | undefined;
  /** Signals the program only, like `kill -9 PID` would: its own children live on. */
  kill(signal?: NodeJS.Signals): boolean;
  /** Signals its whole process group (it runs in its own), like Ctrl-C in a terminal. */
  killGroup(signal?: NodeJS.Signals): boolean;
  result: Promise<RunResult>;
}

export interface StartChildOptions extends RunOptions {
  /** 'pipe' keeps stdin open for the caller (child.process.stdin); default: EOF (or `input`). */
  stdin?: 'pipe' | 'eof';
}

/** After the program exits, how long its orphans may keep stdout/stderr open before we stop reading. */
const PIPE_GRACE_MS = 300;

/**
 * Spawns a program in its own process group and collects its output. `result` settles when
 * the program itself exits (plus a short grace for buffered output), not when every
 * grandchild holding its pipes does: a killed tool whose ssh child lingers still returns.
 * Never rejects: a spawn failure is code -1 with the error in stderr.
 */
export function startChild(file: string, args: readonly string[], opts: StartChildOptions = {}): SandboxChild {
  const env: NodeJS.ProcessEnv = {...process.env};
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const cp = spawn(file, args, {env, cwd: opts.cwd, stdio: 'pipe', detached: true});
  let stdout = '';
  let stderr = '';
  cp.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  cp.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  cp.stdin.on('error', () => {
    // The program exited without reading its input: not our failure.
  });
  if (opts.input !== undefined) cp.stdin.end(opts.input);
  else if (opts.stdin !== 'pipe') cp.stdin.end();

  const kill = (signal: NodeJS.Signals = 'SIGTERM'): boolean => cp.kill(signal);
  const killGroup = (signal: NodeJS.Signals = 'SIGTERM'): boolean => {
    if (cp.pid === undefined) return false;
    try {
      process.kill(-cp.pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  let timedOut = false;
  const timer =
    opts.timeout === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          killGroup('SIGKILL');
        }, opts.timeout);
  const onAbort = (): void => {
    kill(opts.killSignal ?? 'SIGTERM');
  };
  opts.signal?.addEventListener('abort', onAbort, {once: true});

  const result = new Promise<RunResult>((resolve) => {
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        code: timedOut ? 124 : code,
        stdout: trimEnd(stdout),
        stderr: trimEnd(stderr),
        ...(timedOut ? {timedOut} : {}),
      });
    };
    cp.once('error', (err) => {
      stderr += String(err);
      finish(-1);
    });
    cp.once('exit', (code, signal) => {
      const status = code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : -1);
      const grace = setTimeout(() => {
        cp.stdout.destroy();
        cp.stderr.destroy();
        finish(status);
      }, PIPE_GRACE_MS);
      cp.once('close', () => {
        clearTimeout(grace);
        finish(status);
      });
    });
  });
  return {process: cp, pid: cp.pid, kill, killGroup, result};
}

/** Like execa's stripFinalNewline: one trailing newline goes. */
const trimEnd = (s: string): string => s.replace(/\r?\n$/, '');

/** Runs a program without a shell (stdin at EOF unless `input`); never rejects on failure. */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return startChild(file, args, opts).result;
}

/** Like run() but throws (with stderr) unless the exit code is 0. */
export async function runOk(file: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0)
    throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Synchronous variant for exit handlers, where no promise will ever settle. */
export function runSync(file: string, args: readonly string[], timeoutMs = 10_000): RunResult {
  const r = spawnSync(file, args, {encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe']});
  return {
    code: r.status ?? (r.signal ? 128 + (osConstants.signals[r.signal] ?? 0) : -1),
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? (r.error ? String(r.error) : ''),
  };
}

/** Blocks the thread; only for the synchronous teardown path. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
