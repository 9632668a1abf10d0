import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import type {ProbeData} from '../../src/core/types.js';
import {DRIFT_WORDS_AWK, driftScript, POSTURE_FN, parseDrift} from '../../src/drift/posture.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {BASELINE, SYSCTL_FILE, sysctl} from '../../steps/sysctl.js';
import {UU_CONF, updates} from '../../steps/updates.js';
import {interval, WATCH_BIN, watch, watchScript, webhookUrl} from '../../steps/watch.js';

const sh = (script: string, input = '') => execFileSync('sh', ['-c', script], {input, encoding: 'utf8'});
const access = {user: 'admin', host: 'h', port: 2222, kind: 'ssh' as const};
const debian = profileFacts('debian-12');

describe('posture drift in words (the awk both check and the watch use)', () => {
  it('says each kind of difference as an operator would', () => {
    const out = sh(
      DRIFT_WORDS_AWK,
      [
        '+listen tcp 0.0.0.0:9999 python3',
        '-listen tcp 0.0.0.0:8080 python3',
        '+sshd passwordauthentication yes',
        '-sshd passwordauthentication no',
        '+firewall ufw 9999/tcp ALLOW IN Anywhere',
        '+wg wg0 KEY= 10.66.0.9/32',
        '-jail recidive',
        '',
      ].join('\n'),
    );
    expect(out.split('\n').filter(Boolean)).toEqual([
      'listen\tpython3 now listens on 0.0.0.0:9999/tcp',
      'listen\tnothing listens on 0.0.0.0:8080/tcp any more (python3 did)',
      'sshd\tsshd now has passwordauthentication yes',
      'sshd\tsshd no longer has passwordauthentication no',
      'firewall\tufw now shows: 9999/tcp ALLOW IN Anywhere',
      'wg\tWireGuard peer KEY= on wg0 was added (10.66.0.9/32)',
      'jail\tfail2ban jail recidive no longer runs',
    ]);
  });

  it('the posture function and the drift script are valid POSIX sh', () => {
    expect(() => sh(`set -n\n${POSTURE_FN}`)).not.toThrow();
    expect(() => execFileSync('sh', ['-n'], {input: driftScript()})).not.toThrow();
  });

  it('parses only its own lines, and never passes a control character on', () => {
    const r = parseDrift('noise\nDRIFT\tlisten\tpython3 now listens on 0.0.0.0:1/tcp\x1b[2J\nDRIFT\tevil\tx\n');
    expect(r).toEqual({baseline: true, drift: [{kind: 'listen', message: 'python3 now listens on 0.0.0.0:1/tcp?[2J'}]});
    expect(parseDrift('NOBASELINE\n')).toEqual({baseline: false, drift: []});
  });
});

describe('sysctl step', () => {
  const keys = (f: (k: string) => string) => BASELINE.map(([k]) => `${k} ${f(k)}`).join('\n');
  const probe = (out: string, file?: string): ProbeData => ({
    files: {[SYSCTL_FILE]: file === undefined ? {exists: false} : {exists: true, content: file}},
    queries: {sysctl_keys: {code: 0, out}},
  });
  const plan = (p: ProbeData) =>
    sysctl.plan({facts: debian, params: {admin: 'admin', sshPort: 2222}, probe: p, access});

  it('leaves read-only keys out and says so; sets the rest back on rollback', () => {
    const p = plan(probe(keys((k) => (k.startsWith('net.') ? '0 rw' : '0 ro'))));
    const file = p.actions.find((a) => a.kind === 'file.write');
    expect(file && 'content' in file ? file.content : '').not.toMatch(/^(kernel|fs)\./m);
    expect(p.findings.map((f) => f.message).join('\n')).toMatch(/read-only here .* left out: fs\.protected_fifos/);
    expect(compileRollback(p.onRollback)).toContain('sysctl -q -w net.ipv4.conf.all.log_martians=0');
    expect(p.actions.at(-1)).toMatchObject({kind: 'proof', route: {user: 'admin', port: 2222}});
  });

  it('plans nothing once the file and the live values agree', () => {
    const first = plan(probe(keys((k) => `${BASELINE.find(([b]) => b === k)?.[1]} rw`)));
    const file = first.actions.find((a) => a.kind === 'file.write');
    const content = file && 'content' in file ? file.content : '';
    const again = plan(
      probe(
        keys((k) => `${BASELINE.find(([b]) => b === k)?.[1]} rw`),
        content,
      ),
    );
    expect(again.actions).toEqual([]);
  });

  it('takes only numbers from the server', () => {
    const p = plan(probe(keys(() => '1;reboot rw')));
    const file = p.actions.find((a) => a.kind === 'file.write');
    expect(file && 'content' in file ? file.content : '').not.toMatch(/reboot/);
    expect(compileRollback(p.onRollback).join('\n')).not.toMatch(/reboot/);
  });
});

describe('updates step', () => {
  const plan = (facts = debian, reboot = false) =>
    updates.plan({
      facts,
      params: {reboot},
      probe: {files: {}, queries: {uu_present: {code: 1, out: ''}, uu_timer: {code: 0, out: 'enabled'}}},
      access,
    });

  it('Debian: security origins only, no reboot, checked by its own dry run', () => {
    const p = plan();
    const conf = p.actions.find((a) => a.kind === 'file.write' && a.path === UU_CONF);
    const text = conf && 'content' in conf ? conf.content : '';
    expect(text).toMatch(/#clear Unattended-Upgrade::Origins-Pattern;/);
    expect(text).toMatch(/label=Debian-Security/);
    expect(text).not.toMatch(/label=Debian"/);
    expect(text).toMatch(/Automatic-Reboot "false"/);
    expect(p.actions.map((a) => a.kind)).toEqual(['package.install', 'file.write', 'file.write', 'run']);
  });

  it('RHEL: dnf-automatic for security updates; Alpine: not offered, said', () => {
    expect(plan(profileFacts('rhel-9')).actions.map((a) => a.kind)).toEqual([
      'package.install',
      'file.write',
      'service',
    ]);
    const alpine = plan(profileFacts('alpine'));
    expect(alpine.actions).toEqual([]);
    expect(alpine.findings.map((f) => f.message).join()).toMatch(/not offered/);
  });
});

describe('watch step', () => {
  it('is off unless the recipe says watch=true', () => {
    const p = watch.plan({
      facts: debian,
      params: {enabled: false, interval: '15m'},
      probe: {files: {}, queries: {}},
      access,
    });
    expect(p.actions).toEqual([]);
  });

  it('installs the script, a service and a timer, enabled together with its link for rollback', () => {
    const p = watch.plan({
      facts: debian,
      params: {enabled: true, interval: '5m'},
      probe: {files: {}, queries: {}},
      access,
    });
    expect(p.actions.map((a) => (a.kind === 'file.write' ? a.path : a.kind))).toEqual([
      WATCH_BIN,
      '/etc/systemd/system/portcullis-watch.service',
      '/etc/systemd/system/portcullis-watch.timer',
      'service',
      'run',
    ]);
    expect(p.actions.at(-1)).toMatchObject({
      touches: ['/etc/systemd/system/timers.target.wants/portcullis-watch.timer'],
    });
  });

  it('the script is valid sh and quotes the webhook as one word', () => {
    const script = watchScript("https://hooks.example/x?a=1&b='2'");
    expect(() => execFileSync('sh', ['-n'], {input: script})).not.toThrow();
    const url = execFileSync('sh', ['-c', `${/^url=.*$/m.exec(script)?.[0]}; printf %s "$url"`], {encoding: 'utf8'});
    expect(url).toBe("https://hooks.example/x?a=1&b='2'");
  });

  it('refuses a webhook or an interval that could be more than one word', () => {
    for (const bad of ['ftp://x', 'http://a b', 'http://x/"', 'http://x/\n', `http://${'a'.repeat(600)}`])
      expect(() => webhookUrl(bad), bad).toThrow(/watch_webhook/);
    for (const bad of ['0s', '5', '5d', '1m;reboot']) expect(() => interval(bad), bad).toThrow(/watch_interval/);
    expect(interval(undefined)).toBe('15m');
  });
});
