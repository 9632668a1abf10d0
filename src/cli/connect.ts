import {parseEndpoint} from '../target/endpoint.js';
import {LocalTarget} from '../target/local-target.js';
import {SshTarget} from '../target/ssh-target.js';
import type {Target} from '../target/types.js';
import {InputError} from '../util/errors.js';

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

export async function openTarget(spec: string | undefined, o: ConnectOptions): Promise<Target> {
  if (process.env.PORTCULLIS_TRACE)
    process.stderr.write(`[trace] at ${(performance.now() / 1000).toFixed(3)} s: connecting\n`);
  if (o.local || !spec) {
    if (spec) throw new InputError('give either a TARGET or --local, not both');
    return new LocalTarget({sudoPassword: o.sudoPassword ?? sudoPassword});
  }
  const endpoint = parseEndpoint(spec);
  return SshTarget.create({
    endpoint,
    configFile: o.sshConfig,
    identity: o.identity,
    acceptNewHostKey: o.acceptNewHostKey,
    sudoPassword: o.sudoPassword ?? sudoPassword,
  });
}
