import {describe, expect, it} from 'vitest';
import type {Facts} from '../../src/core/facts.js';
import type {ProbeData} from '../../src/core/types.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {WATCH_CRON, watch} from '../../steps/watch.js';

/** The watch on Debian without systemd: its cron entry runs only where cron runs, so the plan says when it does not. */
const openrcDebian: Facts = {...profileFacts('debian-12'), init: 'openrc'};
const params = {enabled: true, interval: '5m', webhook: undefined} as Parameters<typeof watch.plan>[0]['params'];
const plan = (queries: ProbeData['queries']) =>
  watch.plan({facts: openrcDebian, params, probe: {files: {}, queries}, access: {kind: 'local'} as never});
const warnings = (p: ReturnType<typeof plan>) => p.findings.filter((f) => f.level === 'warn').map((f) => f.message);

describe('watch on Debian without systemd (OpenRC)', () => {
  it('asks whether cron runs', () => {
    expect(Object.keys(watch.probe(openrcDebian, params).queries ?? {})).toEqual(['watch_cron']);
  });

  it.each([
    ['absent', /^cron is not installed: the watch runs from \/etc\/cron\.d\/portcullis-watch.*apt-get install cron/],
    ['stopped', /^cron is not running: .*rc-service cron start\)$/],
  ])('cron %s: a warning that says what to do; the entry is still written', (state, message) => {
    const p = plan({watch_cron: {code: 0, out: state}});
    expect(warnings(p)).toEqual([expect.stringMatching(message)]);
    expect(p.actions.some((a) => a.kind === 'file.write' && a.path === WATCH_CRON)).toBe(true);
  });

  it('cron running, or not asked (an offline plan): no warning', () => {
    expect(warnings(plan({watch_cron: {code: 0, out: 'running'}}))).toEqual([]);
    expect(warnings(plan({}))).toEqual([]);
  });
});
