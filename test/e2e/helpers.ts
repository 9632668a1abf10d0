import {fileURLToPath} from 'node:url';
import {parseResult} from '../helpers/result-schema.js';
import type {RunOptions, RunResult, Sandbox, SandboxChild} from '../sandbox/index.js';

export const BIN = fileURLToPath(new URL('../../bin/portcullis.js', import.meta.url));

/** Hardens SSH on the sandbox as root: admin `admin`, port 2222, up to and including the ssh-hardening step. */
export const HARDEN: readonly string[] = [
  'apply',
  'root@192.0.2.10',
  '--yes',
  '--until',
  'ssh-hardening',
  '--set',
  'admin_user=admin',
  '--set',
  'ssh_port=2222',
];

/**
 * Runs the real binary on the operator's laptop, with the sandbox's ssh config (key, known_hosts). With
 * `--json`, the document it printed is checked against the published schema (schema/result.schema.json)
 * before any test reads it: a run that printed one that does not match throws, naming the mismatch.
 */
export async function portcullis(vps: Sandbox, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await vps.laptop.runArgv([process.execPath, BIN, ...withConfig(vps, args)], {timeout: 240_000, ...opts});
  if (args.includes('--json') && r.stdout.trim() !== '') {
    try {
      parseResult(r.stdout);
    } catch (err) {
      throw new Error(`portcullis ${args.join(' ')} (exit ${r.code}): ${(err as Error).message}\nstderr: ${r.stderr}`);
    }
  }
  return r;
}

export function spawnPortcullis(vps: Sandbox, args: readonly string[], opts: RunOptions = {}): SandboxChild {
  return vps.laptop.spawn(process.execPath, [BIN, ...withConfig(vps, args)], opts);
}

/**
 * Spawns the binary and resolves once its stderr says it is proving a way in (`proving`: which proof, when
 * an earlier step of the run may prove one too), i.e. inside a confirmation window; `what` names the wait
 * in the timeout error.
 */
export async function spawnUntilProving(
  vps: Sandbox,
  args: readonly string[],
  what: string,
  proving = /proving/,
): Promise<SandboxChild> {
  const child = spawnPortcullis(vps, args);
  let stderr = '';
  child.process.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  await waitFor(what, async () => proving.test(stderr), 90_000, 20);
  return child;
}

function withConfig(vps: Sandbox, args: readonly string[]): string[] {
  const [cmd, ...rest] = args;
  return cmd && ['plan', 'apply', 'rollback', 'status', 'check'].includes(cmd)
    ? [cmd, '--ssh-config', vps.sshConfigPath, ...rest]
    : [...args];
}

/** sha256 of every file under the given directories, sorted: equal strings mean byte-identical trees. */
export async function hashTree(vps: Sandbox, ...dirs: string[]): Promise<string> {
  const cmd = `find ${dirs.join(' ')} -xdev -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum`;
  for (let i = 0; ; i++) {
    const r = await vps.exec(cmd);
    if (r.code === 0) return r.stdout;
    // Read while a rollback replaces files (copy to NAME.pc-restore, then rename over NAME): a file that
    // find listed was renamed away before sha256sum read it. Read the tree again once that settled.
    if (i < 20 && /: No such file or directory/.test(r.stderr)) {
      await new Promise((res) => setTimeout(res, 50));
      continue;
    }
    throw new Error(`vps: \`${cmd}\` exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
}

/** Polls until fn returns true or the time is up; returns how long it took, or throws. */
export async function waitFor(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs: number,
  stepMs = 250,
): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (await fn()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * ssh's arguments for a login with one key only (`key`, a private key file on the laptop), no config, no
 * agent, no known hosts: `opts` go before the destination.
 */
export function keySsh(key: string, dest: string, command: string, ...opts: string[]): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    ...opts,
    dest,
    command,
  ];
}

/** A key login from the laptop with the given user/port; true when `true` ran there. */
export async function canLogin(vps: Sandbox, user: string, port = 22): Promise<boolean> {
  const r = await vps.laptop.sshWith(
    {timeout: 20_000},
    '-p',
    String(port),
    '-o',
    'ConnectTimeout=3',
    `${user}@${vps.ip}`,
    'true',
  );
  return r.code === 0;
}

/** A password login from the laptop; `host` overrides the VPS address (its tunnel address, with the host key pinned). */
export async function passwordLogin(
  vps: Sandbox,
  user: string,
  password: string,
  port = 22,
  host = vps.ip,
): Promise<RunResult> {
  return vps.laptop.runArgv(
    [
      'sshpass',
      '-p',
      password,
      'ssh',
      '-F',
      vps.sshConfigPath,
      '-p',
      String(port),
      '-o',
      'BatchMode=no',
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
      '-o',
      'NumberOfPasswordPrompts=1',
      '-o',
      'ConnectTimeout=5',
      ...(host !== vps.ip ? ['-o', `HostKeyAlias=${vps.ip}`] : []),
      `${user}@${host}`,
      'true',
    ],
    {timeout: 30_000},
  );
}

/**
 * docs/reliability.md is written by the fault matrix (test/e2e/fault-matrix.test.ts) as a whole; the
 * dead-man rows (test/e2e/dead-man.test.ts) own the section between these markers, which the fault matrix
 * carries over as it is.
 */
export const DEAD_MAN_BEGIN = '<!-- dead-man rows: test/e2e/dead-man.test.ts -->';
export const DEAD_MAN_END = '<!-- end of dead-man rows -->';

/** The dead-man section of a reliability doc, markers included, or '' when it has none. */
export function deadManSection(doc: string): string {
  const a = doc.indexOf(DEAD_MAN_BEGIN);
  const b = doc.indexOf(DEAD_MAN_END);
  return a >= 0 && b > a ? doc.slice(a, b + DEAD_MAN_END.length) : '';
}
