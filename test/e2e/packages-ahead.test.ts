import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {aheadDir} from '../../src/core/paths.js';
import {aheadStartScript} from '../../src/engine/ahead.js';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {type Sandbox, start} from '../sandbox/index.js';
import {waitFor} from './helpers.js';

const GROUPS = [
  {step: 'firewall', packages: ['ufw']},
  {step: 'wireguard', packages: ['wireguard-tools']},
];

/**
 * The packages-ahead job on the real VPS: what the wizard's download mode leaves (apt's cache, nothing
 * installed) and what --yes's install mode leaves (packages in, nothing configured), each journaled.
 */
describe.skipIf(e2eSkipReason())('packages ahead on the sandbox VPS', () => {
  let vps: Sandbox;
  beforeAll(async () => {
    vps = await start({log: () => {}});
  });
  afterAll(async () => {
    await vps?.stop();
  });

  const runJob = async (run: string, mode: 'install' | 'download') => {
    const started = await vps.exec(aheadStartScript(run, GROUPS, mode));
    expect(started.stdout, started.stderr).toContain('started');
    const d = aheadDir(run);
    await waitFor('the job to end', async () => (await vps.exec(`test -f ${d}/rc`)).code === 0, 120_000, 100);
    return {
      rc: await vps.execOk(`cat ${d}/rc`),
      log: await vps.execOk(`cat ${d}/log`),
      journal: (await vps.execOk(`grep '"run":"${run}"' /var/lib/portcullis/journal.jsonl`))
        .split('\n')
        .map((l) => JSON.parse(l) as {kind: string; mode?: string; code?: number}),
    };
  };
  const installed = async (pkg: string) =>
    (await vps.exec(`dpkg-query -W -f='\${db:Status-Abbrev}' ${pkg} 2>/dev/null`)).stdout.startsWith('ii');

  it('download mode (the wizard): the packages land in apt cache, none is installed', async () => {
    // apt fetches into its cache only from a remote mirror (a file: repository is used in place): serve
    // the VPS's offline repository over HTTP on its loopback, as a real mirror would be.
    await vps.execOk(
      'setsid python3 -m http.server 8765 --bind 127.0.0.1 --directory /opt/offline-repo </dev/null >/dev/null 2>&1 & echo $! > /run/pc-mirror.pid',
    );
    await vps.execOk('cp /etc/apt/sources.list /run/pc-sources.list');
    await vps.execOk("echo 'deb [trusted=yes] http://127.0.0.1:8765 ./' > /etc/apt/sources.list");
    await waitFor(
      'the HTTP mirror',
      async () =>
        (await vps.exec('python3 -c "import urllib.request as u; u.urlopen(\'http://127.0.0.1:8765/Packages\')"'))
          .code === 0,
      10_000,
      100,
    );
    await vps.execOk('apt-get update -q >/dev/null');
    try {
      const before = await vps.execOk('sha256sum /var/lib/dpkg/status');
      const job = await runJob('R-download', 'download');
      expect(job.rc, job.log).toBe('0');
      const cache = await vps.execOk('ls /var/cache/apt/archives/');
      expect(cache).toMatch(/^ufw_.*\.deb$/m);
      expect(cache).toMatch(/^wireguard-tools_.*\.deb$/m);
      expect(await installed('ufw')).toBe(false);
      expect(await vps.execOk('sha256sum /var/lib/dpkg/status')).toBe(before);
      expect(job.journal.map((e) => e.kind)).toEqual(['packages.ahead', 'packages.ahead.done']);
      expect(job.journal[0]).toMatchObject({mode: 'download'});
    } finally {
      await vps.execOk('cp /run/pc-sources.list /etc/apt/sources.list && kill "$(cat /run/pc-mirror.pid)"');
      await vps.execOk('apt-get update -q >/dev/null && apt-get clean');
    }
  });

  it('install mode (--yes): step by step, each marked; the packages are in, their configuration untouched', async () => {
    const sshd = await vps.execOk('sha256sum /etc/ssh/sshd_config');
    const job = await runJob('R-install', 'install');
    expect(job.rc, job.log).toBe('0');
    const d = aheadDir('R-install');
    expect(await vps.execOk(`cat ${d}/firewall.rc ${d}/wireguard.rc`)).toBe('0\n0');
    expect(await installed('ufw')).toBe(true);
    expect(await installed('wireguard-tools')).toBe(true);
    // Installed, not turned on: that is the firewall step's business, under its timer.
    expect(await vps.execOk('ufw status')).toMatch(/Status: inactive/);
    expect(await vps.execOk('sha256sum /etc/ssh/sshd_config')).toBe(sshd);
    expect((await vps.exec('ip link show wg0')).code).not.toBe(0);
    expect(job.log.indexOf('Setting up ufw')).toBeLessThan(job.log.indexOf('Setting up wireguard-tools'));
    expect(job.journal.at(-1)).toMatchObject({kind: 'packages.ahead.done', code: 0});
  });

  it('with apt unable to reach its mirror, the job installs nothing and says so: the steps install themselves', async () => {
    await vps.execOk('env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ufw wireguard-tools >/dev/null');
    await vps.execOk('mv /opt/offline-repo /opt/offline-repo.away');
    try {
      const job = await runJob('R-mirror', 'install');
      expect(job.rc).toBe('100');
      expect(job.log).toMatch(/apt cannot resolve the packages: left to the steps/);
      expect(await installed('ufw')).toBe(false);
      expect(job.journal.at(-1)).toMatchObject({kind: 'packages.ahead.done', code: 100});
    } finally {
      await vps.execOk('mv /opt/offline-repo.away /opt/offline-repo');
    }
  });
});
