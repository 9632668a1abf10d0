import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {hostileCases, materialize, reachesApply} from '../helpers/hostile-cases.js';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {type Sandbox, start} from '../sandbox/index.js';
import {hashTree, portcullis} from './helpers.js';

/** What a run could change on the target: configuration, accounts and keys, portcullis' own state. */
const WATCHED = ['/etc', '/root', '/home', '/var/lib/portcullis'];

/**
 * The hostile-input cases that reach `apply` with the sandbox VPS as TARGET (test/helpers/hostile-cases.ts),
 * run by the real binary from the laptop: each exits 2 with one line, and the VPS is byte-identical
 * afterwards and never saw a login.
 */
describe.skipIf(e2eSkipReason())('hostile input against a real VPS changes nothing', () => {
  let vps: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), 'pc-hostile-e2e-'));
  const cases = hostileCases().filter(reachesApply);
  let before = '';
  const logins = async () =>
    (
      await vps.execOk("journalctl -q --no-pager -o cat _COMM=sshd _COMM=sshd-session | grep -c 'Accepted ' || true")
    ).trim();
  let loginsBefore = '';

  beforeAll(async () => {
    vps = await start({log: () => {}});
    before = await hashTree(vps, ...WATCHED);
    loginsBefore = await logins();
  });
  afterAll(async () => {
    await vps?.stop();
    rmSync(dir, {recursive: true, force: true});
  });

  it('has the cases that reach apply (100 or more)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  // Several at once (vitest's maxConcurrency; each is a node start on the laptop), each case in its own
  // scratch directory; the check of the VPS below runs after all of them.
  it.concurrent.each(cases.map((c, i) => ({...c, i})))('$name', async (c) => {
    const own = join(dir, String(c.i));
    mkdirSync(own);
    const r = await portcullis(vps, materialize(c, own), {timeout: 60_000});
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    // The sandbox runner trims the output: one line is no newline at all.
    expect(r.stderr).toMatch(/^portcullis: [^\n]+$/);
    expect(r.stderr.slice('portcullis: '.length)).toMatch(c.error);
  });

  it('afterwards the VPS is byte-identical (/etc, /root, /home, portcullis state) and saw no login', async () => {
    expect(await hashTree(vps, ...WATCHED)).toBe(before);
    expect(await logins()).toBe(loginsBefore);
  });
});
