import {spawnSync} from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {bundleName, captureScript, EVIDENCE_ITEMS, parseCapture, writeBundle} from '../../src/evidence/capture.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {evidence} from '../../steps/evidence.js';
import {paramsFor} from '../helpers/run-values.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-evidence-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('evidence capture', () => {
  it('one script reads every item, each command with its exit code, and writes nothing', () => {
    const before = readdirSync(dir);
    const r = spawnSync('sh', ['-s', '--', '192.0.2.20 50000 192.0.2.10 22'], {
      input: captureScript(7),
      encoding: 'utf8',
      cwd: dir,
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(r.status).toBe(0);
    const items = parseCapture(r.stdout);
    expect([...items.keys()]).toEqual(EVIDENCE_ITEMS.map((i) => i.file));
    const host = items.get('host.txt')?.toString() ?? '';
    expect(host).toContain('## $ uname -a\n');
    expect(host).toContain('capturing session (SSH_CONNECTION): 192.0.2.20 50000 192.0.2.10 22');
    expect(host).toMatch(/## exit 0\n/);
    // A tool that is not there is recorded as such, with its exit code, not silently skipped.
    const fw = items.get('firewall.txt')?.toString() ?? '';
    for (const c of ['ufw status verbose', 'nft list ruleset', 'iptables-save']) expect(fw).toContain(`## $ ${c}\n`);
    expect(fw).toMatch(/## exit [1-9][0-9]*\n/);
    expect(readdirSync(dir)).toEqual(before);
  });

  it('never follows a link a user planted in their home: ~/.ssh or authorized_keys2 linked to a shadow-like file', () => {
    // Real files, real links, a real unprivileged user (nobody); getent is a stand-in listing two homes here.
    const root = mkdtempSync(join(tmpdir(), 'pc-evidence-links-'));
    try {
      chmodSync(root, 0o755);
      const hash = '$6$rounds=5000$SECRET-HASH-never-in-a-bundle';
      writeFileSync(join(root, 'shadow'), `root:${hash}:19000:0:99999:7:::\n`, {mode: 0o600});
      mkdirSync(join(root, 'rootdir'), {mode: 0o700});
      writeFileSync(join(root, 'rootdir', 'authorized_keys'), `${hash}\n`, {mode: 0o600});
      const nobody = Number(spawnSync('id', ['-u', 'nobody'], {encoding: 'utf8'}).stdout.trim());
      for (const h of ['home1', 'home2']) {
        mkdirSync(join(root, h), {mode: 0o755});
        chownSync(join(root, h), nobody, nobody);
      }
      mkdirSync(join(root, 'home1', '.ssh'), {mode: 0o700});
      writeFileSync(join(root, 'home1', '.ssh', 'authorized_keys'), 'ssh-ed25519 AAAAlegit nobody@laptop\n');
      symlinkSync(join(root, 'shadow'), join(root, 'home1', '.ssh', 'authorized_keys2'));
      for (const f of ['.ssh', '.ssh/authorized_keys', '.ssh/authorized_keys2'])
        spawnSync('chown', ['-h', `${nobody}:${nobody}`, join(root, 'home1', f)]);
      symlinkSync(join(root, 'rootdir'), join(root, 'home2', '.ssh'));
      mkdirSync(join(root, 'bin'));
      writeFileSync(
        join(root, 'bin', 'getent'),
        `#!/bin/sh\necho 'nobody:x:${nobody}:${nobody}::${root}/home1:/bin/sh'\necho 'nobody:x:${nobody}:${nobody}::${root}/home2:/bin/sh'\n`,
        {mode: 0o755},
      );
      const item = EVIDENCE_ITEMS.find((i) => i.file === 'authorized-keys.txt');
      const command = item?.commands.find((c) => c.includes('getent passwd')) ?? '';
      const r = spawnSync('sh', ['-c', command], {
        encoding: 'utf8',
        env: {PATH: `${join(root, 'bin')}:/usr/sbin:/usr/bin:/sbin:/bin`},
      });
      const out = r.stdout + r.stderr;
      expect(out).not.toContain('SECRET-HASH');
      expect(out).toContain('ssh-ed25519 AAAAlegit nobody@laptop');
      expect(out).toContain(`${root}/home1/.ssh/authorized_keys2 is a symbolic link to ${root}/shadow (not followed)`);
      expect(out).toContain(`${root}/home2/.ssh is a symbolic link to ${root}/rootdir (not followed)`);
    } finally {
      rmSync(root, {recursive: true, force: true});
    }
  });

  it('refuses a look-back outside 1..90 days', () => {
    expect(() => captureScript(0)).toThrow(/1 to 90/);
    expect(() => captureScript(paramsFor(evidence, {evidence_days: 365}, profileFacts('debian-12')).days)).toThrow(
      /1 to 90/,
    );
  });

  it('writes a private bundle whose SHA256SUMS verifies, and never overwrites one', () => {
    const items = new Map(EVIDENCE_ITEMS.map((i) => [i.file, Buffer.from(`${i.file} content\n`)]));
    items.delete('auth-failures.txt');
    const at = new Date('2025-03-04T05:06:07.890Z');
    const a = writeBundle(dir, 'web 1', at, items, {target: 'root@203.0.113.5:22', days: 7});
    const b = writeBundle(dir, 'web 1', at, items, {target: 'root@203.0.113.5:22', days: 7});
    expect(a).toBe(join(dir, 'web_1-20250304T050607Z'));
    expect(b).toBe(`${a}-2`);
    expect(bundleName('vps', at)).toBe('vps-20250304T050607Z');
    expect(statSync(a).mode & 0o777).toBe(0o700);
    const files = readdirSync(a).sort();
    expect(files).toEqual([...EVIDENCE_ITEMS.map((i) => i.file), 'MANIFEST.txt', 'SHA256SUMS'].sort());
    for (const f of files) expect(statSync(join(a, f)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(a, 'MANIFEST.txt'), 'utf8')).toContain(
      'auth-failures.txt: recent authentication failures',
    );
    expect(readFileSync(join(a, 'MANIFEST.txt'), 'utf8')).toContain('(MISSING: not in the capture)');
    const ok = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], {cwd: a, encoding: 'utf8'});
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    // A changed byte is caught.
    const changed = spawnSync('sh', ['-c', 'chmod u+w host.txt && echo x >> host.txt && sha256sum -c SHA256SUMS'], {
      cwd: b,
      encoding: 'utf8',
    });
    expect(changed.status).not.toBe(0);
    expect(changed.stdout).toContain('host.txt: FAILED');
  });

  it('plans no change on the server and says where the bundle goes', () => {
    const facts = profileFacts('debian-12');
    const p = evidence.plan({
      facts,
      params: paramsFor(evidence, {evidence_dir: '/srv/evidence/../cases'}, facts),
      probe: {files: {}, queries: {}},
      access: {user: 'root', host: '203.0.113.5', port: 22, kind: 'ssh'},
    });
    expect(p.actions).toEqual([]);
    expect(p.findings[0]?.message).toContain('/srv/cases/vps-<UTC time>/');
  });
});
