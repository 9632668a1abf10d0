import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it, vi} from 'vitest';
import {main} from '../../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-fleet-cli-'));
const inv = join(dir, 'hosts.ini');
writeFileSync(inv, '[web]\nweb1 ansible_host=203.0.113.7\nweb2 ansible_host=203.0.113.8 ssh_port=22x\n');
const both = join(dir, 'both.ini');
writeFileSync(both, '[web]\nweb1 peers=alice\n[web:vars]\npeers_remove=alice\n');
afterAll(() => rmSync(dir, {recursive: true, force: true}));

async function run(args: string[]): Promise<{code: number; stderr: string}> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    return {code: await main(args), stderr};
  } finally {
    spy.mockRestore();
    process.exitCode = undefined;
  }
}

describe('apply/plan --inventory refuse bad input before connecting (exit 2)', () => {
  it.each([
    [['apply', '--inventory', inv, '--yes'], /host web2: ssh_port=22x: expected a whole number/],
    [['apply', '--inventory', inv, '--yes', '--limit', 'web1', '--serial', '0'], /--serial 0/],
    [['apply', '--inventory', inv, '--yes', '--limit', 'web1', '--forks', '0'], /--forks 0/],
    [
      ['apply', '--inventory', inv, '--yes', '--limit', 'web1', '--max-fail-percentage', '101'],
      /--max-fail-percentage 101/,
    ],
    [['apply', 'root@203.0.113.7', '--inventory', inv, '--yes'], /without a TARGET/],
    [['apply', '--inventory', inv, '--limit', 'web1'], /pass --yes/],
    [['apply', '--inventory', join(dir, 'missing.ini'), '--yes'], /cannot read inventory/],
    [
      ['plan', '--inventory', inv, '--limit', 'web1', '--platform', 'debian-12'],
      /without a TARGET, --local or --platform/,
    ],
    [['plan', '--inventory', inv, '--limit', 'db'], /db matches no host or group/],
    [['apply', '--inventory', both, '--yes'], /peer alice is both in peers and in peers_remove/],
    [
      ['apply', '--inventory', inv, '--yes', '--limit', 'web1', '--ssh-config', join(dir, 'nope')],
      /--ssh-config .*cannot read it/,
    ],
  ])('%j', async (args, msg) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });
});
