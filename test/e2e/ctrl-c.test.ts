import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {ADMIN_PASSWORD, type Sandbox, start} from '../sandbox/index.js';
import {canLogin, portcullis, spawnPortcullis, waitFor} from './helpers.js';
import {Terminal} from './tmux-terminal.js';

const VALUES = ['--set', 'admin_user=admin', '--set', 'ssh_port=2222', '--set', 'wg_subnet=10.66.0.0/24'];
const SUDO = {env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD}};
const APPLY = ['apply', 'root@192.0.2.10', '--yes', '--until', 'fail2ban', ...VALUES, '--confirm-timeout', '60'];

/**
 * Headless Ctrl-C: the first stops after the step in flight, which finishes (proven and kept) rather
 * than dying half-way. Once as `kill -INT` to portcullis alone (no terminal), once as the key in a
 * terminal, where the terminal would signal the ssh clients too (the run reads the key instead).
 */
describe.skipIf(e2eSkipReason())('Ctrl-C in a headless run stops after the step in flight', () => {
  let vps: Sandbox;
  beforeAll(async () => {
    vps = await start({log: () => {}});
  });
  afterAll(async () => {
    await vps?.stop();
  });

  const backToStart = async () => {
    const r = await portcullis(vps, ['rollback', 'admin@192.0.2.10:2222', '--to', 'admin-user', '--yes'], SUDO);
    expect(r.code, r.stderr).toBe(0);
    expect((await vps.exec('ufw status | head -1')).stdout.trim()).toBe('Status: inactive');
  };

  const stoppedAfterFirewall = async (out: string, code: number) => {
    expect(code, out).toBe(1);
    expect(out).toMatch(/stopping after the step in flight/);
    expect(out).toMatch(/stopped by the operator before fail2ban; nothing of it was changed/);
    // The step in flight ran to its end: ufw on, and kept (its timer disarmed), the admin still in.
    expect((await vps.exec('ufw status | head -1')).stdout.trim()).toBe('Status: active');
    expect((await vps.exec('systemctl list-timers --all --no-legend "portcullis-rollback-*"')).stdout.trim()).toBe('');
    expect(await canLogin(vps, 'admin', 2222)).toBe(true);
    expect((await vps.exec('command -v fail2ban-client || echo none')).stdout.trim()).toBe('none');
  };

  it('SIGINT to portcullis alone, no terminal', async () => {
    const child = spawnPortcullis(vps, [...APPLY, '--no-ahead']);
    let stderr = '';
    child.process.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    await waitFor(
      'the firewall step armed',
      async () => /Host firewall[\s\S]*dead-man timer armed/.test(stderr),
      120_000,
      20,
    );
    child.kill('SIGINT');
    const r = await child.result;
    await stoppedAfterFirewall(r.stderr, r.code);
    await backToStart();
  }, 240_000);

  it('Ctrl-C typed in the terminal (the key, which a terminal sends to every process of the group)', async () => {
    const term = new Terminal(vps);
    try {
      const [cmd = 'apply', ...rest] = APPLY;
      await term.start([cmd, '--ssh-config', vps.sshConfigPath, ...rest, '--no-ahead']);
      // The running task carries a spinner (braille frames); a pending one ◼, a finished one ✔.
      await term.waitFor(/^[\u2800-\u28ff] Host firewall/m, 120_000);
      await term.keys('C-c');
      const screen = await term.waitFor(/\[exit \d+\]/, 120_000);
      const code = Number(/\[exit (\d+)\]/.exec(screen)?.[1]);
      await stoppedAfterFirewall(await term.joined(), code);
    } finally {
      await term.kill();
    }
    await backToStart();
  }, 300_000);
});
