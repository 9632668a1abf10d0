import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {ADMIN_PASSWORD, type Sandbox, type SandboxChild, start} from '../sandbox/index.js';
import {portcullis, waitFor} from './helpers.js';

const HOOK = 'http://192.0.2.20:8099/hook';
const VALUES = ['--set', 'admin_user=admin', '--set', 'ssh_port=2222', '--set', 'watch=true'];
const WATCH = ['--set', 'watch_interval=3s', '--set', `watch_webhook=${HOOK}`];
const TUNNEL = 'admin@10.66.0.1:2222';
const SUDO = {env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD}};
const ROGUE_DROPIN = '/etc/ssh/sshd_config.d/00-aaa.conf';

/** A webhook receiver in the laptop namespace: every POST body, one JSON line each, on stdout. */
const RECEIVER = `require('node:http').createServer((q, s) => { let b = ''; q.on('data', (c) => (b += c)); q.on('end', () => { process.stdout.write(JSON.stringify({method: q.method, url: q.url, body: b}) + '\\n'); s.end('ok'); }); }).listen(8099, '192.0.2.20');`;

/**
 * The host baseline and drift on one sandbox: fresh-vps sets the kernel baseline and security-only
 * automatic updates, records its posture, and installs the watch; `check` then agrees; a service on
 * 0.0.0.0 and a drop-in that turns passwords back on are named by `check` (exit 3), by the watch in the
 * journal and by its webhook; after the operator removes the drop-in and applies again, `check` agrees.
 */
describe.skipIf(e2eSkipReason())('host baseline and drift on the sandbox VPS', () => {
  let vps: Sandbox;
  let receiver: SandboxChild;
  let posts = '';

  beforeAll(async () => {
    vps = await start({log: () => {}});
    receiver = vps.laptop.spawn(process.execPath, ['-e', RECEIVER]);
    receiver.process.stdout?.on('data', (b: Buffer) => {
      posts += b.toString();
    });
  });
  afterAll(async () => {
    receiver?.kill('SIGKILL');
    await vps?.stop();
  });

  it('fresh-vps sets the kernel baseline and security-only automatic updates', async () => {
    const r = await portcullis(vps, [
      'apply',
      'root@192.0.2.10',
      '--recipe',
      'fresh-vps',
      '--yes',
      '--connect-tunnel',
      '--json',
      ...VALUES,
      ...WATCH,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const id of ['sysctl', 'updates', 'watch'])
      expect(out.steps.find((s: {id: string}) => s.id === id)?.status).toBe('applied');
    for (const [k, v] of [
      ['net.ipv4.conf.all.accept_redirects', '0'],
      ['net.ipv4.conf.all.send_redirects', '0'],
      ['net.ipv4.conf.all.rp_filter', '2'],
      ['net.ipv4.tcp_syncookies', '1'],
    ])
      expect(await vps.execOk(`sysctl -n ${k}`), k).toBe(v);
    // The container's kernel keys are read-only: left out of the file, never a failed run.
    const file = await vps.execOk('cat /etc/sysctl.d/90-portcullis.conf');
    expect(file).toMatch(/^net\.ipv4\.conf\.all\.send_redirects = 0$/m);
    // ufw sets log_martians at every reload: left to it, not fought over.
    expect(file).not.toMatch(/log_martians/);
    expect(file).not.toMatch(/^(kernel|fs)\./m);
    const dry = await vps.exec('unattended-upgrade --dry-run -d');
    expect(dry.code, dry.stderr).toBe(0);
    const origins = /Allowed origins are: (.*)/.exec(dry.stdout + dry.stderr)?.[1] ?? '';
    expect(origins).toMatch(/Debian-Security/);
    for (const o of origins.split(', ')) expect(o).toMatch(/[Ss]ecurity/);
    expect(await vps.execOk('systemctl is-active portcullis-watch.timer')).toBe('active');
  });

  it('check through the tunnel agrees with what the apply left: exit 0', async () => {
    const r = await portcullis(vps, ['check', TUNNEL, '--json', ...VALUES, ...WATCH], SUDO);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({status: 'ok', drift: []});
  });

  it('a new listener and a drop-in that turns passwords on: check names both and exits 3', async () => {
    await vps.execOk('systemd-run --unit pc-rogue python3 -m http.server 9999 --bind 0.0.0.0');
    await waitFor(
      'the rogue service',
      async () => (await vps.exec('ss -Hltn sport = :9999')).stdout.includes('9999'),
      20_000,
      200,
    );
    await vps.execOk(`printf 'PasswordAuthentication yes\\n' > ${ROGUE_DROPIN}`);
    const r = await portcullis(vps, ['check', TUNNEL, ...VALUES, ...WATCH], SUDO);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/python3 now listens on 0\.0\.0\.0:9999\/tcp, blocked by the firewall from outside/);
    expect(r.stdout).toMatch(/sshd now has passwordauthentication yes/);
  });

  it('the watch on the server says both in the journal and to the webhook', async () => {
    const journal = () => vps.execOk('journalctl -q --no-pager -o cat -t portcullis-watch -p warning');
    await waitFor(
      'the watch to log the drift',
      async () => /9999/.test(await journal()) && /passwordauthentication yes/.test(await journal()),
      60_000,
      500,
    );
    await waitFor('the webhook POST', async () => /9999/.test(posts), 30_000, 200);
    const post = JSON.parse(posts.split('\n').find((l) => l.includes('9999')) ?? '{}');
    expect(post).toMatchObject({method: 'POST', url: '/hook'});
    const body = JSON.parse(post.body);
    expect(body.drift).toContain('python3 now listens on 0.0.0.0:9999/tcp');
    expect(body.drift).toContain('sshd now has passwordauthentication yes');
  });

  it('once the drop-in is gone and apply runs again, check agrees again', async () => {
    await vps.execOk(`rm -f ${ROGUE_DROPIN}`);
    const r = await portcullis(
      vps,
      ['apply', TUNNEL, '--recipe', 'fresh-vps', '--yes', '--connect-tunnel', '--json', ...VALUES, ...WATCH],
      SUDO,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed).toBe(0);
    const c = await portcullis(vps, ['check', TUNNEL, ...VALUES, ...WATCH], SUDO);
    expect(c.code, `${c.stdout}\n${c.stderr}`).toBe(0);
  });

  it('rollback takes the watch, the baseline and the update settings away', async () => {
    const r = await portcullis(vps, ['rollback', TUNNEL, '--json'], SUDO);
    expect(r.code, r.stderr).toBe(0);
    for (const f of [
      '/usr/local/sbin/portcullis-watch',
      '/etc/systemd/system/portcullis-watch.timer',
      '/etc/sysctl.d/90-portcullis.conf',
      '/etc/apt/apt.conf.d/52portcullis-unattended-upgrades',
    ])
      expect((await vps.exec(`test -e ${f}`)).code, f).not.toBe(0);
    expect(await vps.execOk('systemctl is-active portcullis-watch.timer || true')).not.toBe('active');
    expect(await vps.execOk('sysctl -n net.ipv4.conf.all.send_redirects')).toBe('1');
  });
});
