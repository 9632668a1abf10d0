import {execa} from 'execa';
import {RunError} from '../util/errors.js';
import {quote} from '../util/shell.js';
import {streamLines} from './stream.js';
import type {ExecResult, ProbeResult, ProofRoute, RunOptions, SudoAsker, Target} from './types.js';
import {wrapScript} from './types.js';

/**
 * Runs on the server itself (the operator is logged in there). Proving a new way in cannot be done
 * from here: the engine watches for the operator's own fresh login instead (see engine/proof.ts).
 */
export class LocalTarget implements Target {
  readonly kind = 'local' as const;
  readonly label = 'local';
  readonly host: string;
  readonly user: string;
  readonly port: number;
  private password: string | undefined;
  /** The one question for the password, shared by commands that start together. */
  private asking: Promise<string | undefined> | undefined;

  constructor(private readonly opts: {sudoPassword?: SudoAsker} = {}) {
    const conn = (process.env.SSH_CONNECTION ?? '').split(' ');
    this.host = conn[2] ?? 'localhost';
    this.port = Number(conn[3] ?? 22);
    this.user = process.env.SUDO_USER ?? process.env.USER ?? 'root';
  }

  async run(script: string, opts: RunOptions = {}): Promise<ExecResult> {
    const root = process.getuid?.() === 0;
    const conn = process.env.SSH_CONNECTION ?? '';
    let argv = root ? ['sh', '-s', '--', conn] : ['sudo', '-n', 'sh', '-s', '--', conn];
    let input = wrapScript(script);
    if (!root) {
      const check = await execa('sudo', ['-n', 'true'], {reject: false});
      if (check.exitCode !== 0) {
        this.asking ??= this.opts.sudoPassword?.({user: this.user, host: this.host}) ?? Promise.resolve(undefined);
        this.password ??= await this.asking;
        if (this.password === undefined)
          throw new RunError('sudo wants a password; set PORTCULLIS_SUDO_PASSWORD or run interactively');
        argv = ['sudo', '-S', '-p', '', 'sh', '-s', '--', conn];
        input = `${this.password}\n${input}`;
      }
    }
    const [file = 'sh', ...args] = argv;
    const child = execa(file, args, {input, reject: false, timeout: opts.timeoutMs, stripFinalNewline: false});
    if (opts.onLine) streamLines(child, opts.onLine);
    const r = await child;
    return {code: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr)};
  }

  /**
   * On the server itself nobody can open a connection from the operator's side for them: the proof is the
   * operator's own fresh login from another terminal, detected in sshd's log (a key login for the user
   * after we started waiting) together with an established connection on the expected port.
   */
  async probe(route: ProofRoute): Promise<ProbeResult> {
    const started = Date.now();
    const user = route.user ?? this.user;
    const port = route.port ?? this.port;
    const since = new Date(started - 1000).toISOString().replace('T', ' ').slice(0, 19);
    const script = [
      `journalctl -q --no-pager -o cat --since ${quote(`${since} UTC`)} _COMM=sshd _COMM=sshd-session 2>/dev/null | grep -q ${quote(`Accepted publickey for ${user} from`)} || exit 1`,
      `ss -H -tn state established ${quote(`( sport = :${port} )`)} 2>/dev/null | grep -q . || exit 1`,
    ].join('\n');
    const deadline = started + (route.timeoutS ?? 120) * 1000;
    while (Date.now() < deadline) {
      const r = await this.run(script);
      if (r.code === 0) return {ok: true, ms: Date.now() - started};
      await new Promise((res) => setTimeout(res, 1000));
    }
    return {
      ok: false,
      ms: Date.now() - started,
      reason: `no key login as ${user} on port ${port} was seen in time (${this.describeRoute(route)} from another terminal)`,
    };
  }

  describeRoute(route: ProofRoute): string {
    const port = route.port ?? this.port;
    return `ssh ${port !== 22 ? `-p ${port} ` : ''}${route.user ?? this.user}@${route.host ?? this.host}`;
  }

  readonly stats = {roundTrips: 0, waitMs: 0};

  async hold(): Promise<{pid: number; release: () => Promise<void>}> {
    return {pid: process.pid, release: async () => {}};
  }

  async close(): Promise<void> {}
}
