import {execa} from 'execa';
import {RunError} from '../util/errors.js';
import {quote} from '../util/shell.js';
import {streamLines} from './stream.js';
import {type ExecResult, type ProbeResult, type ProofRoute, type RunOptions, type Target, wrapScript} from './types.js';

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

  constructor(private readonly opts: {sudoPassword?: () => Promise<string | undefined>} = {}) {
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
        this.password ??= await this.opts.sudoPassword?.();
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

  async probe(_route: ProofRoute): Promise<ProbeResult> {
    return {
      ok: false,
      ms: 0,
      reason: 'running on the server itself: the proof is your own fresh login from another terminal',
    };
  }

  describeRoute(route: ProofRoute): string {
    const port = route.port ?? this.port;
    return `ssh ${port !== 22 ? `-p ${port} ` : ''}${route.user ?? this.user}@${route.host ?? this.host}`;
  }

  async close(): Promise<void> {}
}
