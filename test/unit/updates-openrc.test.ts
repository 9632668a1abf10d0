import {describe, expect, it} from 'vitest';
import type {Facts} from '../../src/core/facts.js';
import type {ProbeData} from '../../src/core/types.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {AUTO_UPGRADES, updates} from '../../steps/updates.js';

/**
 * The updates step's advice on Debian without systemd (the `openrc` sandbox variant is the real run: its e2e file
 * checks the warning on a box without cron): apt's periodic jobs run from cron's daily job there, not from
 * apt-daily-upgrade.timer, so the advice is about cron.
 */
const openrcDebian: Facts = {...profileFacts('debian-12'), init: 'openrc'};
const plan = (facts: Facts, queries: ProbeData['queries']) =>
  updates.plan({
    facts,
    params: {reboot: false},
    probe: {files: {}, queries},
    access: {kind: 'local'} as never,
  });
const warnings = (p: ReturnType<typeof plan>) => p.findings.filter((f) => f.level === 'warn').map((f) => f.message);

describe('updates on Debian without systemd (OpenRC)', () => {
  it('asks whether cron runs apt-compat, not for the systemd timer', () => {
    const q = updates.probe(openrcDebian, {reboot: false}).queries ?? {};
    expect(Object.keys(q).sort()).toEqual(['uu_cron', 'uu_present']);
    expect(q.uu_cron).toContain('/etc/cron.daily/apt-compat');
    expect(Object.keys(updates.probe(profileFacts('debian-12'), {reboot: false}).queries ?? {}).sort()).toEqual([
      'uu_present',
      'uu_timer',
    ]);
  });

  it.each([
    [
      'absent',
      /^cron is not installed: .* \(apt-get install cron && rc-update add cron default && rc-service cron start\)$/,
    ],
    ['stopped', /^cron is not running: .* \(rc-update add cron default && rc-service cron start\)$/],
    ['no-apt-job', /^\/etc\/cron\.daily\/apt-compat is missing: /],
  ])('cron %s: a warning that says what to do, never the systemd timer', (state, message) => {
    const w = warnings(plan(openrcDebian, {uu_present: {code: 0, out: ''}, uu_cron: {code: 0, out: state}}));
    expect(w).toEqual([expect.stringMatching(message)]);
    expect(w.join('\n')).not.toMatch(/systemctl|apt-daily-upgrade/);
  });

  it('cron running with its apt job: no warning; the files are still written', () => {
    const p = plan(openrcDebian, {uu_present: {code: 0, out: ''}, uu_cron: {code: 0, out: 'running'}});
    expect(warnings(p)).toEqual([]);
    expect(p.actions.some((a) => a.kind === 'file.write' && a.path === AUTO_UPGRADES)).toBe(true);
  });

  it('systemd: still the timer advice', () => {
    const w = warnings(
      plan(profileFacts('debian-12'), {uu_present: {code: 0, out: ''}, uu_timer: {code: 1, out: 'disabled'}}),
    );
    expect(w).toEqual([expect.stringMatching(/^apt-daily-upgrade\.timer is disabled: .*systemctl enable --now/)]);
  });
});
