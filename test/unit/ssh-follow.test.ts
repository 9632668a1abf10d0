import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {settle} from '../../src/engine/settle.js';
import {failedBeforeLogin, SshFailure} from '../../src/target/ssh-errors.js';
import {SshTarget} from '../../src/target/ssh-target.js';
import type {ExecResult, Target} from '../../src/target/types.js';
import {fakeSshOnPath} from '../helpers/fake-ssh.js';

/**
 * A stand-in `ssh` on PATH: `-G` answers as ssh would; root on port 22 is refused (ssh-hardening moved
 * sshd and closed root's login) unless PORT22 says otherwise; admin on 2222 runs the script and logs it.
 */
const FAKE_SSH = `#!/bin/sh
log="$FAKE_DIR/calls"
for a in "$@"; do case "$a" in -G) echo "user root"; echo "port 22"; echo "hostname 192.0.2.10"; exit 0;; -O) exit 0;; esac; done
port=22; dest=
while [ $# -gt 0 ]; do
  case "$1" in
    -p) port="$2"; shift 2;;
    -o|-F|-i) shift 2;;
    --) shift; break;;
    *) dest="$1"; shift;;
  esac
done
echo "$dest:$port" >> "$log"
case "$dest:$port" in
  root@192.0.2.10:22) [ "$(cat "$FAKE_DIR/port22" 2>/dev/null)" = open ] && { cat >/dev/null; echo "ran as root"; exit 0; }
    echo "ssh: connect to host 192.0.2.10 port 22: $(cat "$FAKE_DIR/why22" 2>/dev/null || echo Connection refused)" >&2; exit 255;;
  admin@192.0.2.10:2222) cat > "$FAKE_DIR/script"; echo "ran as admin"; exit 0;;
  *) echo "ssh: connect to host 192.0.2.10 port $port: Connection timed out" >&2; exit 255;;
esac
`;

describe('a run whose connection dropped after a step closed its way in (Target.follow)', () => {
  const fake = fakeSshOnPath(FAKE_SSH, 'pc-follow-');
  const calls = () => readFileSync(join(fake(), 'calls'), 'utf8').trim().split('\n');

  it('goes the way the committed step proved, with the sudo password for that user, and stays on it', async () => {
    const asked: string[] = [];
    const t = await SshTarget.create({
      endpoint: {user: 'root', host: '192.0.2.10'},
      sudoPassword: async () => {
        asked.push('asked');
        return 'pw';
      },
    });
    await expect(t.run('echo hi')).rejects.toThrow(/connection refused/);
    t.follow({user: 'admin', port: 2222, timeoutS: 8});
    const r = await t.run('echo again');
    expect(r.stdout).toContain('ran as admin');
    expect(readFileSync(join(fake(), 'script'), 'utf8')).toContain('echo again');
    await t.run('echo third');
    // Tried its own way once more, then the proven one; the third command went straight to it.
    expect(calls()).toEqual([
      'root@192.0.2.10:22',
      'root@192.0.2.10:22',
      'admin@192.0.2.10:2222',
      'admin@192.0.2.10:2222',
    ]);
    await t.close();
  });

  it('stays on its own way while it answers; a way equal to its own is no alternative', async () => {
    writeFileSync(join(fake(), 'port22'), 'open');
    const t = await SshTarget.create({endpoint: {user: 'root', host: '192.0.2.10'}});
    t.follow({user: 'root', port: 22});
    t.follow({user: 'admin', port: 2222});
    expect((await t.run('true')).stdout).toContain('ran as root');
    expect(calls()).toEqual(['root@192.0.2.10:22']);
    await t.close();
  });

  it('reports both ways when neither answers', async () => {
    const t = await SshTarget.create({endpoint: {user: 'root', host: '192.0.2.10'}});
    t.follow({user: 'admin', port: 2223});
    const e = await t.run('true').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SshFailure);
    expect((e as SshFailure).beforeLogin).toBe(true);
    expect(calls()).toEqual(['root@192.0.2.10:22', 'admin@192.0.2.10:2223']);
    await t.close();
  });
});

describe('what ssh printed: did any command start?', () => {
  it.each([
    ['ssh: connect to host 192.0.2.10 port 22: Connection refused', true],
    ['ssh: connect to host 192.0.2.10 port 22: Connection timed out', true],
    ['Connection timed out during banner exchange\nConnection to 192.0.2.10 port 22 timed out', true],
    ['kex_exchange_identification: read: Connection reset by peer', true],
    ['root@192.0.2.10: Permission denied (publickey).', false],
    ['Permission denied (publickey).', true],
    ['Connection closed by 192.0.2.10 port 22', true],
    ['Timeout, server 192.0.2.10 not responding.', false],
    ['Connection to 192.0.2.10 closed by remote host.', false],
    ['mux_client_request_session: read from master failed: Broken pipe', false],
    ['Host key verification failed.', false],
    ['', false],
  ])('%j → %s', (stderr, before) => {
    expect(failedBeforeLogin(stderr)).toBe(before);
  });
});

describe('settle: the end of a run waits for a target that stopped answering', () => {
  const flaky = (failures: Error[]): Target & {tries: number} => {
    const t = {
      tries: 0,
      run: async (): Promise<ExecResult> => {
        const e = failures[t.tries++];
        if (e) throw e;
        return {code: 0, stdout: 'ok', stderr: ''};
      },
    };
    return t as unknown as Target & {tries: number};
  };

  it('tries again while ssh cannot reach the target, then returns what ran', async () => {
    const waits: number[] = [];
    const t = flaky([new SshFailure('timed out', true), new SshFailure('timed out', false)]);
    const r = await settle(t, 'x', {sleep: async (ms) => void waits.push(ms)});
    expect(r.stdout).toBe('ok');
    expect(t.tries).toBe(3);
    expect(waits).toEqual([1000, 2000]);
  });

  it('gives up at its budget, and never retries what is not a connection failure', async () => {
    const t = flaky(Array.from({length: 100}, () => new SshFailure('refused', true)));
    await expect(settle(t, 'x', {budgetMs: 2500, sleep: async () => {}})).rejects.toThrow('refused');
    // Waits of 1 and 2 s fit in 2.5 s (the sleeps here take no time), the next 4 s does not.
    expect(t.tries).toBe(3);
    const sudo = flaky([new Error('sudo wants a password')]);
    await expect(settle(sudo, 'x', {sleep: async () => {}})).rejects.toThrow('sudo');
    expect(sudo.tries).toBe(1);
  });
});
