import {accessSync, constants, statSync} from 'node:fs';
import {parseEndpoint} from '../target/endpoint.js';
import {LocalTarget} from '../target/local-target.js';
import {SshTarget} from '../target/ssh-target.js';
import type {SudoAsker, Target} from '../target/types.js';
import {InputError} from '../util/errors.js';
import {CONTROL} from '../util/validate.js';

export interface ConnectOptions {
  local?: boolean;
  sshConfig?: string;
  identity?: string;
  acceptNewHostKey?: boolean;
  /** Asks for the sudo password; default: PORTCULLIS_SUDO_PASSWORD, else a hidden prompt on a terminal. */
  sudoPassword?: SudoAsker;
}

/** The environment first (headless), then a hidden prompt on a terminal. */
async function sudoPassword(who: {user: string; host: string}): Promise<string | undefined> {
  const env = process.env.PORTCULLIS_SUDO_PASSWORD;
  if (env !== undefined) return env;
  if (!process.stdin.isTTY || !process.stderr.isTTY || process.env.CI) return undefined;
  const {password} = await import('@inquirer/prompts');
  process.stdin.ref();
  return password(
    {message: `sudo password of ${who.user} on ${who.host} (kept in memory for this command only)`, mask: false},
    {output: process.stderr},
  );
}

/** Answers given in this process, by user@host: one answer serves every connection the process opens. */
const answered = new Map<string, Promise<string | undefined>>();

/**
 * `ask`, at most once per user and host in this process; questions asked at the same time share one
 * answer. Nothing is kept beyond the process: every command asks again (or reads PORTCULLIS_SUDO_PASSWORD).
 */
export function askOnce(ask: SudoAsker): SudoAsker {
  return (who) => {
    const key = `${who.user}@${who.host}`;
    let a = answered.get(key);
    if (!a) {
      a = ask(who);
      answered.set(key, a);
    }
    return a;
  };
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
  const ask = askOnce(o.sudoPassword ?? sudoPassword);
  if (o.local || spec === undefined) return new LocalTarget({sudoPassword: ask});
  const endpoint = parseEndpoint(spec);
  return SshTarget.create({
    endpoint,
    configFile: o.sshConfig,
    identity: o.identity,
    acceptNewHostKey: o.acceptNewHostKey,
    sudoPassword: ask,
  });
}
