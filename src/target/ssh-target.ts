import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa} from 'execa';
import {RunError} from '../util/errors.js';
import {cmd} from '../util/shell.js';
import type {Endpoint} from './endpoint.js';
import {explainSshFailure, failedBeforeLogin, SshFailure} from './ssh-errors.js';
import {streamLines} from './stream.js';
import {
  type ExecResult,
  type ProbeResult,
  type ProofRoute,
  type RunOptions,
  type SudoAsker,
  type Target,
  wrapScript,
} from './types.js';

export interface SshOptions {
  endpoint: Endpoint;
  /** Passed as `-F`. */
  configFile?: string;
  /** Passed as `-i`. */
  identity?: string;
  acceptNewHostKey?: boolean;
  /** Asked at most once per target, and only when sudo says it needs a password. */
  sudoPassword?: SudoAsker;
  connectTimeoutS?: number;
  /**
   * The name the host key is known under when this target reaches the server another way (its public
   * address from a tunnel, say): the same key must answer (HostKeyAlias). Default: the endpoint's host.
   */
  hostKeyAlias?: string;
}

type SudoMode = 'root' | 'nopasswd' | 'password';

/**
 * Seconds a proof login may take after its TCP connect timeout before it counts as failed. Seen on a
 * loaded 2-core host: a login that connected waited more than 20 s for sshd (its PAM session waits on
 * systemd while dpkg's triggers reload it), so ssh's keepalive, not the server, ended it.
 */
const LOGIN_GRACE_S = 45;

/**
 * The system OpenSSH client: ~/.ssh/config, the agent, ProxyJump and known_hosts all apply as they do
 * for the operator's own ssh. One ControlMaster connection carries every command of a run; proofs
 * open their own connections and never touch it.
 */
export class SshTarget implements Target {
  readonly kind = 'ssh' as const;
  readonly label: string;
  readonly host: string;
  readonly user: string;
  readonly port: number;
  private readonly controlDir: string;
  private sudo: SudoMode | undefined;
  private password: string | undefined;
  /** The one question for the password: commands that find sudo wanting one at the same time share it. */
  private asking: Promise<string | undefined> | undefined;
  /** KexAlgorithms for proof logins (see probeKex), or undefined to leave ssh's own order. */
  private readonly probeKex: string | undefined;
  /** Ways in this run's committed steps proved, newest first (see follow). */
  private ways: ProofRoute[] = [];
  /** The way in commands take since the target's own stopped answering. */
  private followed: SshTarget | undefined;

  private constructor(
    private readonly opts: SshOptions,
    effective: {user: string; hostname: string; port: number; kex?: string},
  ) {
    this.probeKex = probeKex(effective.kex);
    this.user = effective.user;
    this.port = effective.port;
    this.host = opts.endpoint.host;
    this.label = `${this.user}@${this.host}:${this.port}`;
    this.sudo = this.user === 'root' ? 'root' : undefined;
    // %C keeps the socket path short: unix socket paths are limited to about 104 bytes.
    this.controlDir = mkdtempSync(join(tmpdir(), 'pc-'));
  }

  /** Resolves the effective user/port with `ssh -G` (local, no network) so labels and proofs match what ssh will do. */
  static async create(opts: SshOptions): Promise<SshTarget> {
    const g = await execa('ssh', [...baseArgs(opts), '-G', destination(opts.endpoint)], {reject: false});
    if (g.exitCode !== 0) throw new RunError(`ssh could not read its configuration: ${g.stderr.trim()}`);
    const get = (k: string) => new RegExp(`^${k} (.*)$`, 'm').exec(g.stdout)?.[1]?.trim();
    return new SshTarget(opts, {
      user: get('user') ?? 'root',
      hostname: get('hostname') ?? opts.endpoint.host,
      port: Number(get('port') ?? 22),
      kex: get('kexalgorithms'),
    });
  }

  private muxArgs(): string[] {
    return ['-o', 'ControlMaster=auto', '-o', `ControlPath=${this.controlDir}/%C`, '-o', 'ControlPersist=300'];
  }

  private remoteCommand(mode: SudoMode): string {
    // The login shell expands nothing of ours: the whole command is one single-quoted sh -c script.
    // SSH_CONNECTION is read before sudo, which drops it from the environment.
    const inner =
      mode === 'root'
        ? 'exec sh -s -- "$SSH_CONNECTION"'
        : mode === 'nopasswd'
          ? 'exec sudo -n sh -s -- "$SSH_CONNECTION"'
          : 'exec sudo -S -p "" sh -s -- "$SSH_CONNECTION"';
    return cmd(['sh', '-c', inner]);
  }

  follow(route: ProofRoute): void {
    const same = (r: ProofRoute) => r.user === route.user && r.host === route.host && r.port === route.port;
    const own = (route.user ?? this.user) === this.user && (route.host ?? this.host) === this.host;
    if (own && (route.port ?? this.port) === this.port) return;
    this.ways = [{user: route.user, host: route.host, port: route.port}, ...this.ways.filter((r) => !same(r))];
  }

  async run(script: string, opts: RunOptions = {}): Promise<ExecResult> {
    if (this.followed) return this.followed.run(script, opts);
    try {
      return await this.runHere(script, opts);
    } catch (e) {
      if (!(e instanceof SshFailure && e.beforeLogin) || this.ways.length === 0) throw e;
      // Nothing of the script started: the way a committed step proved takes it (sshd moved, root's login closed).
      for (const route of this.ways) {
        let t: SshTarget | undefined;
        try {
          t = await this.reroute(route);
          const r = await t.run(script, opts);
          this.followed = t;
          return r;
        } catch (e2) {
          await t?.close().catch(() => undefined);
          if (!(e2 instanceof SshFailure && e2.beforeLogin))
            throw new RunError(
              `${e.message}; by the way in this run proved (${this.describeRoute(route)}): ${(e2 as Error).message}`,
            );
        }
      }
      throw e;
    }
  }

  private async runHere(script: string, opts: RunOptions): Promise<ExecResult> {
    let mode = this.sudo ?? 'nopasswd';
    let res = await this.exec(mode, script, opts);
    if (!this.sudo && mode === 'nopasswd' && /a password is required|a terminal is required/.test(res.stderr)) {
      this.asking ??= this.opts.sudoPassword?.({user: this.user, host: this.host}) ?? Promise.resolve(undefined);
      this.password = await this.asking;
      if (this.password === undefined) {
        throw new RunError(
          `sudo on ${this.host} wants a password for ${this.user}; set PORTCULLIS_SUDO_PASSWORD, or run interactively to be asked`,
        );
      }
      mode = 'password';
      res = await this.exec(mode, script, opts);
      if (/incorrect password|Sorry, try again/.test(res.stderr)) {
        throw new RunError(`sudo on ${this.host} refused the password for ${this.user}`);
      }
    }
    this.sudo ??= mode;
    return res;
  }

  readonly stats = {roundTrips: 0, waitMs: 0};

  async hold(): Promise<{pid: number; release: () => Promise<void>}> {
    if (this.followed) return this.followed.hold();
    if (!this.sudo) await this.run('true');
    const mode = this.sudo ?? 'nopasswd';
    const args = [
      ...baseArgs(this.opts),
      ...this.muxArgs(),
      destination(this.opts.endpoint),
      '--',
      this.remoteCommand(mode),
    ];
    // The remote shell prints its pid, then waits on our stdin: when this process goes, stdin closes and so does it.
    const child = execa('ssh', args, {stdin: 'pipe', reject: false, buffer: false});
    child.stdin?.write(`${mode === 'password' ? `${this.password}\n` : ''}echo "@@HOLD $$"; exec cat >/dev/null\n`);
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /@@HOLD (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', () => reject(new RunError(`could not open a session on ${this.label} to hold the lock`)));
    });
    child.stdout?.removeAllListeners('data');
    child.stdout?.resume();
    return {
      pid,
      release: async () => {
        child.stdin?.end();
        await child.catch(() => undefined);
      },
    };
  }

  private async exec(mode: SudoMode, script: string, opts: RunOptions): Promise<ExecResult> {
    const t0 = Date.now();
    this.stats.roundTrips++;
    try {
      return await this.execOnce(mode, script, opts);
    } finally {
      this.stats.waitMs += Date.now() - t0;
      if (process.env.PORTCULLIS_TRACE) {
        const what = script.split('\n').find((l) => /^(pcj|pf |out=|kv |[a-z])/.test(l) && !l.startsWith('PATH')) ?? '';
        process.stderr.write(
          `[trace] at ${(performance.now() / 1000).toFixed(3)} s: ${Date.now() - t0} ms ${what.slice(0, 90)}\n`,
        );
      }
    }
  }

  private async execOnce(mode: SudoMode, script: string, opts: RunOptions, mux = true): Promise<ExecResult> {
    const input = (mode === 'password' ? `${this.password}\n` : '') + wrapScript(script);
    const args = [
      ...baseArgs(this.opts),
      ...(mux ? this.muxArgs() : ['-o', 'ControlMaster=no', '-o', 'ControlPath=none']),
      destination(this.opts.endpoint),
      '--',
      this.remoteCommand(mode),
    ];
    const child = execa('ssh', args, {input, reject: false, timeout: opts.timeoutMs, stripFinalNewline: false});
    if (opts.onLine) streamLines(child, opts.onLine);
    const r = await child;
    const code = r.exitCode ?? 255;
    // A master that could not start (a busy machine, a stale socket) is no reason to fail: the script never
    // reached the target, so it is sent once more over a connection of its own.
    if (
      code === 255 &&
      mux &&
      /Failed to connect to new control master|Control socket connect\(.*\): (No such file|Connection refused)/.test(
        String(r.stderr),
      )
    ) {
      return this.execOnce(mode, script, opts, false);
    }
    if (code === 255)
      throw new SshFailure(explainSshFailure(String(r.stderr), this.label), failedBeforeLogin(String(r.stderr)));
    return {code, stdout: String(r.stdout), stderr: String(r.stderr)};
  }

  async probe(route: ProofRoute): Promise<ProbeResult> {
    const started = Date.now();
    // The route's port, not the endpoint's: ssh takes the first -p it is given.
    const endpoint = {...this.opts.endpoint, port: route.port ?? this.opts.endpoint.port};
    const args = [
      // Before baseArgs (ssh keeps the first value it is given): a login that connected may wait on the
      // server for up to LOGIN_GRACE_S without a reply before ssh gives up on it.
      '-o',
      `ServerAliveCountMax=${Math.ceil(LOGIN_GRACE_S / 5)}`,
      ...baseArgs({...this.opts, endpoint}, route.timeoutS ?? 8),
      '-o',
      'ControlMaster=no',
      '-o',
      'ControlPath=none',
      ...(this.probeKex ? ['-o', `KexAlgorithms=${this.probeKex}`] : []),
      ...routeArgs(this.host, this.knownHost, route),
      destination({...this.opts.endpoint, user: route.user ?? this.user, port: route.port ?? this.port}),
      'true',
    ];
    const r = await execa('ssh', args, {reject: false, timeout: ((route.timeoutS ?? 8) + LOGIN_GRACE_S + 5) * 1000});
    const ms = Date.now() - started;
    if (process.env.PORTCULLIS_TRACE)
      process.stderr.write(
        `[trace] at ${(performance.now() / 1000).toFixed(3)} s: ${ms} ms proof login ${this.describeRoute(route)}\n`,
      );
    if (r.exitCode === 0) return {ok: true, ms};
    if (r.timedOut)
      return {
        ok: false,
        ms,
        reason: `${this.describeRoute(route)} did not finish a login within ${(route.timeoutS ?? 8) + LOGIN_GRACE_S + 5} s (timed out)`,
      };
    const why = explainSshFailure(String(r.stderr), this.describeRoute(route));
    // ssh said nothing: how it ended is all there is to go on.
    const how = r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
    return {ok: false, ms, reason: String(r.stderr).trim() ? why : `${why} (${how} after ${ms} ms)`};
  }

  describeRoute(route: ProofRoute): string {
    const port = route.port ?? this.port;
    const host = route.host ?? this.host;
    const h = host.includes(':') ? `[${host}]` : host;
    return `ssh ${port !== 22 ? `-p ${port} ` : ''}${route.user ?? this.user}@${h}`;
  }

  /**
   * The same server another way in (`route`): a new connection of its own, pinned to the host key this
   * target knows, with the same ssh options and the sudo password already given (never asked twice).
   */
  async reroute(route: ProofRoute): Promise<SshTarget> {
    return SshTarget.create({
      ...this.opts,
      endpoint: {user: route.user ?? this.user, host: route.host ?? this.host, port: route.port ?? this.port},
      hostKeyAlias: this.knownHost,
      // The answer this target was given serves its user's other connections; another user's sudo is
      // asked for its own password.
      sudoPassword: async (who) =>
        who.user === this.user && this.password !== undefined ? this.password : await this.opts.sudoPassword?.(who),
    });
  }

  /** The name this server's host key is checked under. */
  private get knownHost(): string {
    return this.opts.hostKeyAlias ?? this.host;
  }

  async close(): Promise<void> {
    await this.followed?.close();
    await execa('ssh', [...baseArgs(this.opts), ...this.muxArgs(), '-O', 'exit', destination(this.opts.endpoint)], {
      reject: false,
      timeout: 5000,
    });
    rmSync(this.controlDir, {recursive: true, force: true});
  }
}

/**
 * A proof login carries no data (it runs `true`), so it prefers curve25519-sha256, about 70 ms faster per
 * login than the post-quantum hybrids OpenSSH 9 puts first; the operator's own list (from `ssh -G`) is
 * kept, only reordered, so a server that allows only others still negotiates one. The run's own
 * connection keeps ssh's order.
 */
export function probeKex(effective: string | undefined): string | undefined {
  const list = (effective ?? '').split(',').filter(Boolean);
  const fast = 'curve25519-sha256';
  if (!list.includes(fast) || list[0] === fast) return undefined;
  return [fast, ...list.filter((k) => k !== fast)].join(',');
}

function baseArgs(opts: SshOptions, timeoutS = opts.connectTimeoutS ?? 10): string[] {
  const a: string[] = [];
  if (opts.configFile) a.push('-F', opts.configFile);
  if (opts.identity) a.push('-i', opts.identity);
  if (opts.endpoint.port) a.push('-p', String(opts.endpoint.port));
  // BatchMode: ssh must never prompt under our UI; sudo passwords go through sudo -S instead.
  a.push(
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${timeoutS}`,
    '-o',
    'ServerAliveInterval=5',
    '-o',
    'ServerAliveCountMax=4',
  );
  if (opts.acceptNewHostKey) a.push('-o', 'StrictHostKeyChecking=accept-new');
  if (opts.hostKeyAlias) a.push('-o', `HostKeyAlias=${opts.hostKeyAlias}`);
  return a;
}

/** A proof to another port or address must still meet the same host key: HostKeyAlias pins it to the name we know. */
function routeArgs(host: string, knownHost: string, route: ProofRoute): string[] {
  const a: string[] = [];
  if (route.port) a.push('-p', String(route.port));
  if (route.host && route.host !== host) a.push('-o', `HostName=${route.host}`);
  if (route.host || route.port) a.push('-o', `HostKeyAlias=${knownHost}`);
  return a;
}

function destination(e: Endpoint): string {
  return e.user ? `${e.user}@${e.host}` : e.host;
}
