import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {askOnce} from '../../src/cli/connect.js';
import {SshTarget} from '../../src/target/ssh-target.js';
import {fakeSshOnPath} from '../helpers/fake-ssh.js';

/**
 * A stand-in `ssh` on PATH for admin on 192.0.2.10, whose sudo wants a password: `sudo -n` says so, and
 * `sudo -S` takes the first line of stdin as the password ("pw") and runs the rest. Every argv is logged.
 */
const FAKE_SSH = `#!/bin/sh
for a in "$@"; do case "$a" in -G) echo "user admin"; echo "port 22"; echo "hostname 192.0.2.10"; exit 0;; -O) exit 0;; esac; done
echo "$*" >> "$FAKE_DIR/argv"
case "$*" in
  *"sudo -n"*) cat >/dev/null; echo "sudo: a password is required" >&2; exit 1;;
  *"sudo -S"*) read -r pw; cat >/dev/null; [ "$pw" = pw ] && { echo "ran as root"; exit 0; }; echo "Sorry, try again." >&2; exit 1;;
esac
exit 255
`;

describe('the sudo password: one answer for every connection of the process', () => {
  const fake = fakeSshOnPath(FAKE_SSH, 'pc-sudo-');

  it('commands that find sudo wanting a password at the same time ask once, and the password is in no argv', async () => {
    const asked: {user: string; host: string}[] = [];
    const t = await SshTarget.create({
      endpoint: {user: 'admin', host: '192.0.2.10'},
      sudoPassword: async (who) => {
        asked.push(who);
        await new Promise((r) => setTimeout(r, 50));
        return 'pw';
      },
    });
    const rs = await Promise.all([t.run('echo a'), t.run('echo b'), t.run('echo c')]);
    for (const r of rs) expect(r.stdout).toContain('ran as root');
    await t.run('echo d');
    expect(asked).toEqual([{user: 'admin', host: '192.0.2.10'}]);
    // Another connection to the same server as the same user (a reroute) takes the same answer.
    const other = await t.reroute({port: 2222});
    expect((await other.run('echo e')).stdout).toContain('ran as root');
    expect(asked).toHaveLength(1);
    expect(readFileSync(join(fake(), 'argv'), 'utf8')).not.toMatch(/\bpw\b/);
    await other.close();
    await t.close();
  });

  it('askOnce: one question per user and host in this process, shared while it is being answered', async () => {
    let n = 0;
    const ask = askOnce(async (who) => `${who.user}-${++n}`);
    const [a, b] = await Promise.all([ask({user: 'u1', host: 'h'}), ask({user: 'u1', host: 'h'})]);
    expect(a).toBe('u1-1');
    expect(b).toBe('u1-1');
    expect(await ask({user: 'u1', host: 'h'})).toBe('u1-1');
    // Another user's sudo wants their own password.
    expect(await ask({user: 'u2', host: 'h'})).toBe('u2-2');
  });
});
