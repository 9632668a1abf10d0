import {accessSync, constants, statSync} from 'node:fs';
import {parseEndpoint} from '../target/endpoint.js';
import {LocalTarget} from '../target/local-target.js';
import {SshTarget} from '../target/ssh-target.js';
import type {Target} from '../target/types.js';
import {InputError} from '../util/errors.js';
import {CONTROL} from '../util/validate.js';

export interface ConnectOptions {
  local?: boolean;
  sshConfig?: string;
  identity?: string;
  acceptNewHostKey?: boolean;
  /** Asks for the sudo password; default: PORTCULLIS_SUDO_PASSWORD, else a hidden prompt on a terminal. */
  sudoPassword?: () => Promise<string | undefined>;
}

/** Asked at most once per run: the environment first (headless), then a hidden prompt on a terminal. */
async function sudoPassword(): Promise<string | undefined> {
  const env = process.env.PORTCULLIS_SUDO_PASSWORD;
  if (env !== undefined) return env;
  if (!process.stdin.isTTY || !process.stderr.isTTY || process.env.CI) return undefined;
  const {password} = await import('@inquirer/prompts');
  process.stdin.ref();
  return password({message: 'sudo password on the target', mask: false}, {output: process.stderr});
}

/**
 * Where the command runs, checked before anything else: this machine only with `--local`, never for a
 * missing or empty TARGET (a forgotten argument must not harden the operator's own laptop).
 */
export function checkTarget(
  spec: string | undefined,
  o: {local?: boolean; sshConfig?: string; identity?: string},
): void {
  if (o.sshConfig !== undefined) localFile(o.sshConfig, '--ssh-config');
  if (o.identity !== undefined) localFile(o.identity, '--identity');
  if (o.local) {
    if (spec !== undefined) throw new InputError('give either a TARGET or --local, not both');
    return;
  }
  if (spec === undefined || spec.trim() === '')
    throw new InputError(
      `${spec === undefined ? 'no' : 'an empty'} TARGET: name the server as user@host[:port], or pass --local to run on this machine`,
    );
  parseEndpoint(spec);
}

/** A file on this machine that ssh reads: one line of text naming a regular, readable file. */
export function localFile(path: string, what: string): void {
  if (path === '' || CONTROL.test(path))
    throw new InputError(`${what} ${JSON.stringify(path)}: name a file (one line, no control characters)`);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw new InputError(
      `${what} ${JSON.stringify(path)}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  // ssh -F /dev/null (no configuration at all) is a common idiom.
  if (!st.isFile() && path !== '/dev/null')
    throw new InputError(`${what} ${JSON.stringify(path)} is not a regular file`);
}

export async function openTarget(spec: string | undefined, o: ConnectOptions): Promise<Target> {
  checkTarget(spec, o);
  if (process.env.PORTCULLIS_TRACE)
    process.stderr.write(`[trace] at ${(performance.now() / 1000).toFixed(3)} s: connecting\n`);
  if (o.local || spec === undefined) return new LocalTarget({sudoPassword: o.sudoPassword ?? sudoPassword});
  const endpoint = parseEndpoint(spec);
  return SshTarget.create({
    endpoint,
    configFile: o.sshConfig,
    identity: o.identity,
    acceptNewHostKey: o.acceptNewHostKey,
    sudoPassword: o.sudoPassword ?? sudoPassword,
  });
}
