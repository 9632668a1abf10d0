import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {INTERNAL_SERVICE, type Sandbox, start} from '../sandbox/index.js';
import {portcullis} from './helpers.js';

/**
 * The README's set-up commands (`node bin/portcullis.js ...` in its sh blocks), read from the README
 * itself, with the documentation address 203.0.113.5 swapped for the sandbox's.
 */
function readmeCommands(): string[][] {
  const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = text.slice(text.indexOf('\n## Set up\n'), text.indexOf('\nRun the tests'));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('node bin/portcullis.js '))
    .map((l) =>
      l
        .replace(/203\.0\.113\.5/g, '192.0.2.10')
        .split(/\s+/)
        .slice(2),
    );
}

/** A provider's fresh VPS: root with the operator key, no `admin` account. The README as written works there. */
describe.skipIf(e2eSkipReason())("the README's commands on a fresh VPS without an admin user", () => {
  let vps: Sandbox;
  const commands = readmeCommands();

  beforeAll(async () => {
    vps = await start({noAdmin: true, log: () => {}});
  });
  afterAll(async () => {
    await vps?.stop();
  });

  it('the README has the dry run, the first apply and the day-two commands', () => {
    expect(commands.map((c) => c.slice(0, 2).join(' '))).toEqual([
      'plan --platform',
      'apply root@192.0.2.10',
      'apply admin@10.66.0.1:2222',
      'peers add',
      'apply admin@10.66.0.1:2222',
    ]);
  });

  it('each command, in order, exits 0 and does what the README says', async () => {
    expect((await vps.exec('getent passwd admin')).code).toBe(2);
    for (const argv of commands) {
      const args = argv[0] === 'peers' ? [...argv, '--ssh-config', vps.sshConfigPath] : argv;
      const r = await portcullis(vps, args);
      expect(r.code, `${argv.join(' ')}\n${r.stderr}`).toBe(0);
      // The re-run through the tunnel (the day-two apply without new values) changes nothing.
      if (argv[1] === 'admin@10.66.0.1:2222' && !argv.some((a) => a.startsWith('tunnel_ports=')))
        expect(r.stderr).toMatch(/done: 0 change\(s\)/);
    }
    // The first apply made admin, closed public SSH to the tunnel: admin logs in through it with the key.
    const login = await vps.laptop.sshWith(
      {timeout: 20_000},
      '-p',
      '2222',
      '-o',
      'HostKeyAlias=192.0.2.10',
      'admin@10.66.0.1',
      'sudo -n true && id -un',
    );
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout.trim()).toBe('admin');
    expect(await vps.execOk('ufw status')).not.toMatch(/^(22|2222)\/tcp\s+ALLOW/m);
    // peers add phone: its client config dials the public address.
    const conf = readFileSync(join(vps.laptop.env.XDG_STATE_HOME, 'portcullis', 'wireguard', 'vps-phone.conf'), 'utf8');
    expect(conf).toMatch(/^Endpoint = 192\.0\.2\.10:51820$/m);
    // tunnel_ports=8080/tcp: the service answers through the tunnel.
    const http = await vps.laptop.runArgv(
      [
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--max-time',
        '5',
        `http://10.66.0.1:${INTERNAL_SERVICE.port}/`,
      ],
      {timeout: 20_000},
    );
    expect(http.stdout, http.stderr).toBe('200');
  });
});
