import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {Action, Step} from '../../../src/core/types.js';
import {type HostRunContext, runHost} from '../../../src/fleet/host-run.js';
import type {FleetHost} from '../../../src/fleet/host-vars.js';
import {QueuedJournal} from '../../../src/fleet/queued-journal.js';
import {waysIn} from '../../../src/fleet/ways-in.js';
import {detectFacts} from '../../../src/platform/detect.js';
import {fakeStep} from '../../helpers/fake-step.js';
import {fakeTarget} from '../../helpers/fake-target.js';
import {runValues} from '../../helpers/run-values.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
});

const write = (path: string): Action => ({kind: 'file.write', path, content: 'x\n', mode: 0o644});
const step = (id: string, actions: Action[]): Step<unknown> =>
  fakeStep(id, actions, {title: `Step ${id}`, risk: 'lockout'});
const STEPS = [
  step('a', [write('/etc/a')]),
  step('b', [
    {kind: 'timer.arm', seconds: 60},
    write('/etc/b'),
    {kind: 'proof', route: {port: 2222}, what: 'in on 2222'},
    {kind: 'timer.disarm'},
  ]),
];
const host: FleetHost = {name: 'web1', endpoint: {host: '203.0.113.7'}, values: {}};

function ctx(probeOk: boolean, lines: string[], scripts: string[][]): HostRunContext {
  const dir = mkdtempSync(join(tmpdir(), 'pc-fleet-'));
  dirs.push(dir);
  return {
    steps: STEPS,
    runId: 'RUN',
    write: (l) => lines.push(l),
    valuesFor: (h) => runValues(h.values),
    async open() {
      const f = fakeTarget();
      scripts.push(f.scripts);
      const target = {
        ...f.target,
        probe: async () =>
          probeOk
            ? {ok: true as const, ms: 1}
            : {ok: false as const, ms: 1, reason: 'port 2222 is unreachable from here'},
      };
      return {target, facts: await detectFacts(target)};
    },
    journalFor: () => new QueuedJournal(join(dir, 'journal.jsonl')),
  };
}

describe('one host of a fleet: the single-host engine, one line per step, a small result', () => {
  it('applies and proves every step', async () => {
    const lines: string[] = [];
    const r = await runHost(ctx(true, lines, []), host, 1, new AbortController().signal);
    expect(r).toMatchObject({host: 'web1', batch: 1, result: 'applied', changed: 2, target: 'root@h:22'});
    expect(r.steps.map((s) => [s.id, s.status])).toEqual([
      ['a', 'applied'],
      ['b', 'applied'],
    ]);
    expect(lines).toEqual([
      expect.stringMatching(/^web1 {2}✔ Step a: 1 change\(s\) in [0-9.]+ s, proven$/),
      expect.stringMatching(/^web1 {2}✔ Step b: 1 change\(s\) in [0-9.]+ s, proven$/),
    ]);
  });

  it('a failed proof rolls the step back on that host; the step before stays applied', async () => {
    const lines: string[] = [];
    const scripts: string[][] = [];
    const r = await runHost(ctx(false, lines, scripts), host, 2, new AbortController().signal);
    expect(r.result).toBe('rolled-back');
    expect(r.changed).toBe(1);
    expect(r.steps.map((s) => [s.id, s.status])).toEqual([
      ['a', 'applied'],
      ['b', 'rolled-back'],
    ]);
    expect(r.reason).toMatch(/could not prove in on 2222: port 2222 is unreachable from here/);
    expect(lines[1]).toMatch(/^web1 {2}↺ Step b rolled back: could not prove/);
    // The rollback script ran on the host itself.
    expect(scripts[0]?.some((s) => s.includes('rollback.sh') && s.includes('failure'))).toBe(true);
  });

  it('a stop asked for before the host starts its next step leaves that step untouched', async () => {
    const stop = new AbortController();
    stop.abort();
    const r = await runHost(ctx(true, [], []), host, 1, stop.signal);
    expect(r.result).toBe('failed');
    expect(r.changed).toBe(0);
    expect(r.reason).toMatch(/stopped by the operator before Step a/);
  });

  it('a host that does not answer is unreachable, with the reason', async () => {
    const lines: string[] = [];
    const c = {...ctx(true, lines, []), open: async () => ({unreachable: 'root@203.0.113.7:22: no route to host'})};
    const r = await runHost(c, host, 1, new AbortController().signal);
    expect(r).toMatchObject({result: 'unreachable', reason: 'root@203.0.113.7:22: no route to host'});
    expect(lines).toEqual(['web1  ✘ unreachable: root@203.0.113.7:22: no route to host']);
  });
});

describe('ways in: the inventory first, then the one the recipe leaves', () => {
  it('adds admin_user on ssh_port after the inventory way, unless they are the same', () => {
    const h: FleetHost = {name: 'w', endpoint: {host: '203.0.113.7', user: 'root'}, values: {}};
    expect(waysIn(h, {admin_user: 'ops', ssh_port: 2222})).toEqual([
      {host: '203.0.113.7', user: 'root'},
      {host: '203.0.113.7', user: 'ops', port: 2222},
    ]);
    expect(waysIn(h, {})).toEqual([{host: '203.0.113.7', user: 'root'}]);
    const already: FleetHost = {name: 'w', endpoint: {host: '203.0.113.7', user: 'ops', port: 2222}, values: {}};
    expect(waysIn(already, {admin_user: 'ops', ssh_port: 2222})).toHaveLength(1);
  });
});
