import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {type Sandbox, start} from '../sandbox/index.js';
import {canLogin, keySsh, passwordLogin, portcullis} from './helpers.js';

const VPS = 'root@192.0.2.10';
const SECRET = 'TOPSECRET-root-only-9f2c';
/** Files of root's a member's links point at: they must keep their bytes, owner and mode. */
const ROOT_FILES = ['/root/.ssh/authorized_keys', '/root/secret.txt', '/etc/ld.so.preload', '/etc/victim'];

/**
 * A team member (alice) owns her home and plants links in it, aimed at root's files, while portcullis
 * onboards her, rotates her key and rolls back. Judged on the VPS's real files: root's files keep their
 * bytes, owner and mode, /etc/ld.so.preload never appears, and nothing of root's reaches alice or the plan.
 */
describe.skipIf(e2eSkipReason())('links planted by a user on the sandbox VPS', () => {
  let vps: Sandbox;
  let teamFile = '';
  const keys: Record<string, {path: string; pub: string}> = {};
  const asAlice = (cmd: string) => vps.execOk(`runuser -u alice -- sh -c '${cmd}'`);
  /** Bytes, owner and mode of root's files (absent ones say so): equal strings mean untouched. */
  const rootState = () =>
    vps.execOk(
      `for f in ${ROOT_FILES.join(' ')} /root/.ssh; do if [ -e "$f" ] || [ -L "$f" ]; then stat -c '%n %U:%G %a %F' "$f"; [ -f "$f" ] && sha256sum < "$f"; else echo "$f absent"; fi; done; ls -lA /root/.ssh /etc/victim`,
    );
  const team = (key: string) => writeFileSync(teamFile, `members:\n  - name: alice\n    key: ${JSON.stringify(key)}\n`);
  const run = (cmd: 'apply' | 'plan', extra: string[] = []) =>
    portcullis(vps, [
      cmd,
      VPS,
      '--recipe',
      'team-onboarding',
      ...(cmd === 'apply' ? ['--yes', '--json'] : []),
      '--set',
      `team_file=${teamFile}`,
      '--set',
      'wg_subnet=10.66.0.0/24',
      ...extra,
    ]);
  const aliceLogin = (key: string) =>
    vps.laptop.runArgv(
      ['ssh', ...keySsh(keys[key]?.path ?? '', `alice@${vps.ip}`, 'id -un', '-o', 'ConnectTimeout=5')],
      {timeout: 30_000},
    );
  let before = '';

  beforeAll(async () => {
    vps = await start({log: () => {}});
    teamFile = join(vps.laptop.home, 'team.yaml');
    for (const name of ['k1', 'k2', 'k3']) {
      const path = join(vps.laptop.home, `alice_${name}`);
      const r = await vps.laptop.runArgv(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
      expect(r.code, r.stderr).toBe(0);
      keys[name] = {path, pub: readFileSync(`${path}.pub`, 'utf8').trim()};
    }
    await vps.writeFile('/root/secret.txt', `${SECRET}\n`, '0600');
    await vps.execOk('mkdir -m 0755 /etc/victim && echo keep > /etc/victim/file');
    before = await rootState();
    expect(before).toContain('/etc/ld.so.preload absent');
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('onboards alice', async () => {
    team(keys.k1?.pub ?? '');
    const r = await run('apply');
    expect(r.code, r.stderr).toBe(0);
    expect((await aliceLogin('k1')).stdout.trim()).toBe('alice');
  });

  it('plan shows the escape bytes alice put in her authorized_keys as text, never raw', async () => {
    await asAlice('printf "# \\033]0;owned\\007\\033[2J\\033[31mred\\n" >> /home/alice/.ssh/authorized_keys');
    team(keys.k2?.pub ?? '');
    const r = await run('plan');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('\\x1b]0;owned\\x07\\x1b[2J\\x1b[31mred');
    expect(r.stdout + r.stderr).not.toContain('\u001b');
    expect(r.stdout + r.stderr).not.toContain('\u0007');
  });

  it('an authorized_keys linked to a root-only file is never read: plan and apply refuse it', async () => {
    // Each case is judged on its own: root's files as they were when it began.
    const start = await rootState();
    await asAlice(
      'mv /home/alice/.ssh/authorized_keys /home/alice/ak.saved && ln -s /root/secret.txt /home/alice/.ssh/authorized_keys',
    );
    const plan = await run('plan');
    expect(plan.stdout + plan.stderr).not.toContain(SECRET);
    expect(plan.stdout).toMatch(/alice's ~\/\.ssh\/authorized_keys is a symbolic link/);
    const r = await run('apply');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Team accounts: refused, nothing was changed: .*authorized_keys is a symbolic link/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect((await vps.exec(`grep -rl ${SECRET} /home/alice`)).code).toBe(1);
    expect(await rootState()).toBe(start);
    await asAlice('rm /home/alice/.ssh/authorized_keys && mv /home/alice/ak.saved /home/alice/.ssh/authorized_keys');
  });

  it('a dangling authorized_keys.pc-new link to /etc/ld.so.preload: the new key is written as alice, nothing of root’s', async () => {
    // Each case is judged on its own: root's files as they were when it began.
    const start = await rootState();
    await asAlice('ln -s /etc/ld.so.preload /home/alice/.ssh/authorized_keys.pc-new');
    const r = await run('apply');
    expect(r.code, r.stderr).toBe(0);
    expect(await rootState()).toBe(start);
    expect(await vps.execOk('stat -c "%U:%G %a %F" /home/alice/.ssh/authorized_keys')).toBe(
      'alice:alice 600 regular file',
    );
    expect((await aliceLogin('k2')).stdout.trim()).toBe('alice');
    expect((await aliceLogin('k1')).code).not.toBe(0);
  });

  it('a .pc-restore link to /etc/ld.so.preload: the rollback restores alice’s file as alice, nothing of root’s', async () => {
    // Each case is judged on its own: root's files as they were when it began.
    const start = await rootState();
    await asAlice('ln -sfn /etc/ld.so.preload /home/alice/.ssh/authorized_keys.pc-restore');
    const r = await portcullis(vps, ['rollback', VPS, '--to', 'wireguard', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).rolledBack.map((s: {step: string}) => s.step)).toEqual(['team', 'team']);
    expect(await rootState()).toBe(start);
    expect((await vps.exec('getent passwd alice')).code).toBe(2);
  });

  it('admin-user: a ~/.ssh linked to a root directory is refused, nothing of root’s is chowned or written', async () => {
    const start = await rootState();
    await vps.execOk('useradd -m -s /bin/bash carol && runuser -u carol -- ln -s /etc/victim /home/carol/.ssh');
    const r = await portcullis(vps, [
      'apply',
      VPS,
      '--yes',
      '--until',
      'admin-user',
      '--set',
      'admin_user=carol',
      '--set',
      'admin_sudo=nopasswd',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/home\/carol\/\.ssh or its authorized_keys is a symbolic link/);
    expect(await rootState()).toBe(start);
  });

  it('admin-user: the sudo password is in no process’s argv while chpasswd sets it', async () => {
    const start = await rootState();
    const password = 'Pw-in-argv-7c41e';
    // chpasswd records every process's command line at the moment it runs: whatever feeds it is alive then.
    await vps.execOk(
      'mv /usr/sbin/chpasswd /usr/sbin/chpasswd.real && printf \'#!/bin/sh\\nps -eo args >> /root/ps-at-chpasswd\\nexec /usr/sbin/chpasswd.real "$@"\\n\' > /usr/sbin/chpasswd && chmod 755 /usr/sbin/chpasswd',
    );
    const r = await portcullis(vps, [
      'apply',
      VPS,
      '--yes',
      '--until',
      'admin-user',
      '--set',
      'admin_user=dave',
      '--set',
      'admin_sudo=password',
      '--set',
      `admin_password=${password}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const ps = await vps.execOk('cat /root/ps-at-chpasswd');
    expect(ps).toMatch(/chpasswd/);
    expect(ps).not.toContain(password);
    expect((await passwordLogin(vps, 'dave', password)).code).toBe(0);
    expect(await vps.execOk('stat -c "%U %a" /home/dave/.ssh /home/dave/.ssh/authorized_keys')).toBe(
      'dave 700\ndave 600',
    );
    expect(await rootState()).toBe(start);
  });
  it('evidence records a planted link, never what it points to (no /etc/shadow in the bundle)', async () => {
    const start = await rootState();
    const hash = (await vps.execOk('getent shadow root | cut -d: -f2')).trim();
    expect(hash.length).toBeGreaterThan(1);
    await vps.execOk('runuser -u dave -- ln -s /etc/shadow /home/dave/.ssh/authorized_keys2');
    const recipe = join(vps.laptop.home, 'evidence-only.yaml');
    writeFileSync(recipe, 'name: evidence-only\ndescription: evidence alone\nsteps:\n  - evidence\nvalues: {}\n');
    const r = await portcullis(vps, ['apply', VPS, '--recipe', recipe, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [bundle] = JSON.parse(r.stdout).clientConfigs as string[];
    const keys = readFileSync(join(bundle ?? '', 'authorized-keys.txt'), 'utf8');
    expect(keys).toContain('/home/dave/.ssh/authorized_keys2 is a symbolic link to /etc/shadow (not followed)');
    expect(keys).toContain('/home/carol/.ssh is a symbolic link to /etc/victim (not followed)');
    expect(keys).toContain(readFileSync(`${vps.keyPath}.pub`, 'utf8').trim().split(' ')[1]);
    for (const f of readdirSync(bundle ?? '')) expect(readFileSync(join(bundle ?? '', f), 'utf8')).not.toContain(hash);
    expect(await rootState()).toBe(start);
  });

  it('~/.ssh replaced by a link to /root/.ssh: a rollback neither writes nor removes root’s keys', async () => {
    // Each case is judged on its own: erin is a member of her own, and an /etc/ld.so.preload an earlier
    // case may have left (it spams every command's stderr) is gone first.
    await vps.execOk('rm -f /etc/ld.so.preload');
    const start = await rootState();
    const rootKeys = await vps.readFile('/root/.ssh/authorized_keys');
    const erin = (key: string) =>
      writeFileSync(teamFile, `members:\n  - name: erin\n    key: ${JSON.stringify(key)}\n`);
    try {
      erin(keys.k1?.pub ?? '');
      const first = await run('apply');
      expect(first.code, first.stderr).toBe(0);
      erin(keys.k3?.pub ?? '');
      const r = await run('apply');
      expect(r.code, r.stderr).toBe(0);
      await vps.execOk(
        "runuser -u erin -- sh -c 'mv /home/erin/.ssh /home/erin/ssh.saved && ln -s /root/.ssh /home/erin/.ssh'",
      );
      // A re-run refuses to write through the link.
      const again = await run('apply');
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/erin's home or ~\/\.ssh is a symbolic link/);
      const rb = await portcullis(vps, ['rollback', VPS, '--json']);
      expect(rb.code, rb.stderr).toBe(0);
      expect(await rootState()).toBe(start);
      expect(await canLogin(vps, 'root')).toBe(true);
      expect((await vps.exec('getent passwd erin')).code).toBe(2);
    } finally {
      // A failure here must not lock the later cases out: root's own keys are put back out of band.
      await vps.writeFile('/root/.ssh/authorized_keys', rootKeys, '0600');
    }
  });
});
