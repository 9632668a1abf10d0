import {spawnSync} from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {STATE_DIR} from '../../src/core/paths.js';
import type {Action, ProbeData} from '../../src/core/types.js';
import {compileAction} from '../../src/engine/compile.js';
import {rollbackScript, SEGMENT_PRELUDE, snapshotLines} from '../../src/engine/scripts.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {renderPlanSh} from '../../src/present/plan-sh.js';
import {adminUser} from '../../steps/admin-user.js';
import {paramsFor} from '../helpers/run-values.js';

/**
 * Files in a directory an unprivileged user controls are written, snapshotted and restored as that user,
 * in a real shell on real files: the user here is `nobody`, root's files sit next to their home, and the
 * links are the ones a member would plant (at the temporary file, at the restore copy, at ~/.ssh).
 */
const USER = 'nobody';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFluB7SM+95GnvCAj98c+Cszy+T1lczv9Vyqbo99+UVJ op@laptop';
const uid = Number(spawnSync('id', ['-u', USER], {encoding: 'utf8'}).stdout.trim());
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
});

function world() {
  const root = mkdtempSync(join(tmpdir(), 'pc-as-user-'));
  dirs.push(root);
  chmodSync(root, 0o755);
  const home = join(root, 'home');
  mkdirSync(join(home, '.ssh'), {recursive: true, mode: 0o700});
  chownSync(home, uid, uid);
  chownSync(join(home, '.ssh'), uid, uid);
  const keys = join(home, '.ssh', 'authorized_keys');
  writeFileSync(keys, 'ssh-ed25519 AAAAold member\n', {mode: 0o600});
  chownSync(keys, uid, uid);
  // Root's: a file the member must not get written or chowned, and a path that must not appear.
  const rootFile = join(root, 'root-file');
  writeFileSync(rootFile, 'root only\n', {mode: 0o644});
  const rootDir = join(root, 'root-dir');
  mkdirSync(rootDir, {mode: 0o755});
  writeFileSync(join(rootDir, 'authorized_keys'), 'root key\n', {mode: 0o600});
  const preload = join(root, 'ld.so.preload');
  /** What root's files look like: equal strings mean untouched. */
  const rootState = () =>
    [rootFile, join(rootDir, 'authorized_keys'), rootDir]
      .map(
        (p) =>
          `${p} ${statSync(p).uid} ${statSync(p).mode.toString(8)} ${lstatSync(p).isFile() ? readFileSync(p, 'utf8') : ''}`,
      )
      .join('\n') + (existsSync(preload) ? '\npreload exists' : '');
  /** Plants a link as the member (they own the directory), so the link is theirs too. */
  const plant = (target: string, at: string) => {
    symlinkSync(target, at);
    spawnSync('chown', ['-h', `${uid}:${uid}`, at]);
  };
  const sh = (text: string) => {
    const r = spawnSync('sh', ['-c', text.replaceAll(STATE_DIR, `${root}/state`).replaceAll('systemctl ', 'true ')], {
      encoding: 'utf8',
    });
    return {code: r.status ?? -1, stderr: r.stderr};
  };
  return {root, home, keys, rootFile, rootDir, preload, rootState, plant, sh};
}

const write = (path: string, content: string): Action => ({kind: 'file.write', path, content, mode: 0o600, as: USER});
const exec = (a: Action) =>
  [
    SEGMENT_PRELUDE,
    ...compileAction(a, {runId: 'R', stepId: 's', style: 'exec'}).map((l) => `{ ${l}\n} || exit 3`),
  ].join('\n');

describe('files in a user’s directory, in a real shell', () => {
  it('a write goes around a dangling .pc-new link (to where /etc/ld.so.preload would be): the file is the user’s', () => {
    const w = world();
    const before = w.rootState();
    w.plant(w.preload, `${w.keys}.pc-new`);
    const r = w.sh(exec(write(w.keys, 'ssh-ed25519 AAAAnew member\n')));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(w.keys, 'utf8')).toBe('ssh-ed25519 AAAAnew member\n');
    expect(lstatSync(w.keys)).toMatchObject({uid, mode: 0o100600});
    expect(w.rootState()).toBe(before);
  });

  it('a .pc-new link to a root file: the root file keeps its bytes and owner', () => {
    const w = world();
    const before = w.rootState();
    w.plant(w.rootFile, `${w.keys}.pc-new`);
    expect(w.sh(exec(write(w.keys, 'new\n'))).code).toBe(0);
    expect(w.rootState()).toBe(before);
  });

  it('~/.ssh swapped for a link to a root directory: the write fails and the root directory is untouched', () => {
    const w = world();
    const before = w.rootState();
    rmSync(join(w.home, '.ssh'), {recursive: true});
    w.plant(w.rootDir, join(w.home, '.ssh'));
    expect(w.sh(exec(write(w.keys, 'member key\n'))).code).toBe(3);
    expect(w.rootState()).toBe(before);
  });

  it('a rollback restores as the user: through a .pc-restore link and a swapped ~/.ssh, nothing of root’s', () => {
    const w = world();
    const touched = [{path: w.keys, as: USER}];
    const d = `${w.root}/state/runs/R/s`;
    mkdirSync(d, {recursive: true});
    expect(w.sh([SEGMENT_PRELUDE, ...snapshotLines('R', 's', touched)].join('\n')).code).toBe(0);
    writeFileSync(`${d}/rollback.sh`, rollbackScript('R', 's', touched, []).replaceAll(STATE_DIR, `${w.root}/state`));
    writeFileSync(`${d}/state`, 'armed\n');
    expect(w.sh(exec(write(w.keys, 'changed\n'))).code).toBe(0);
    const before = w.rootState();

    w.plant(w.preload, `${w.keys}.pc-restore`);
    expect(spawnSync('sh', [`${d}/rollback.sh`, 'failure']).status).toBe(0);
    expect(readFileSync(w.keys, 'utf8')).toBe('ssh-ed25519 AAAAold member\n');
    expect(lstatSync(w.keys)).toMatchObject({uid, mode: 0o100600});
    expect(w.rootState()).toBe(before);

    // Again, with ~/.ssh now a link to root's directory: neither written nor removed there.
    rmSync(join(w.home, '.ssh'), {recursive: true});
    w.plant(w.rootDir, join(w.home, '.ssh'));
    expect(spawnSync('sh', [`${d}/rollback.sh`, 'failure']).status).toBe(0);
    expect(w.rootState()).toBe(before);
  });

  it('a before-image of a link is the link itself, never what it points to', () => {
    const w = world();
    rmSync(w.keys);
    w.plant(w.rootFile, w.keys);
    const d = `${w.root}/state/runs/R/s`;
    mkdirSync(d, {recursive: true});
    expect(w.sh([SEGMENT_PRELUDE, ...snapshotLines('R', 's', [{path: w.keys, as: USER}])].join('\n')).code).toBe(0);
    expect(readFileSync(`${d}/before/0.meta`, 'utf8')).toBe(`link ${w.rootFile}`);
    expect(readFileSync(`${d}/before/0`, 'utf8')).toBe('');
  });
});

describe('the admin password', () => {
  const facts = profileFacts('debian-12');
  const probe: ProbeData = {
    files: {},
    queries: {admin_passwd: {code: 2, out: ''}, admin_groups: {code: 1, out: ''}, admin_keys: {code: 1, out: ''}},
  };
  const password = "s3cret 'quoted' $(reboot) pw";
  const plan = adminUser.plan({
    facts,
    params: paramsFor(
      adminUser,
      {admin_user: 'dave', admin_sudo: 'password', admin_password: password, admin_key: KEY},
      facts,
    ),
    probe,
    access: {user: 'root', host: '203.0.113.5', port: 22, kind: 'ssh'},
  });
  const set = plan.actions.find((a) => a.kind === 'run' && a.argv[0] === 'chpasswd') as Action;

  it('reaches chpasswd on its stdin from the script, in no process’s argv', () => {
    const root = mkdtempSync(join(tmpdir(), 'pc-chpasswd-'));
    dirs.push(root);
    // A chpasswd that records its stdin and every command line on this machine while it runs.
    writeFileSync(join(root, 'chpasswd'), `#!/bin/sh\ncat > ${root}/stdin\nps -eo args > ${root}/ps\n`, {mode: 0o755});
    const [line] = compileAction(set, {runId: 'R', stepId: 'admin-user', style: 'exec'});
    const r = spawnSync('sh', ['-s'], {input: `PATH=${root}:$PATH\n${line}\n`, encoding: 'utf8'});
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(root, 'stdin'), 'utf8')).toBe(`dave:${password}\n`);
    const ps = readFileSync(join(root, 'ps'), 'utf8');
    expect(ps).toMatch(/chpasswd/);
    expect(ps).not.toContain('s3cret');
  });

  it('is never shown in a plan', () => {
    const text = renderPlanSh(
      [{id: 'admin-user', title: 'Admin user', why: '', risk: 'reversible', undo: '', plan, diffs: []}],
      'h',
    );
    expect(text).not.toContain('s3cret');
    expect(text).toContain('# set the sudo password of dave: the command carries a secret and is not shown');
  });
});
