import {describe, expect, it} from 'vitest';
import {makeBatches, parseSerial} from '../../../src/fleet/batches.js';
import type {HostResult} from '../../../src/fleet/result.js';
import {runFleet} from '../../../src/fleet/runner.js';

const hosts = (n: number) => Array.from({length: n}, (_, i) => ({name: `h${i + 1}`}));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeHosts(fail: Set<string>, ms = 20) {
  let inFlight = 0;
  let maxInFlight = 0;
  const order: string[] = [];
  const runHost = async (h: {name: string}, batch: number): Promise<HostResult> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    order.push(h.name);
    await sleep(fail.has(h.name) ? ms / 2 : ms);
    inFlight--;
    return {
      host: h.name,
      batch,
      result: fail.has(h.name) ? 'rolled-back' : 'applied',
      changed: fail.has(h.name) ? 0 : 1,
      ms,
      steps: [],
    };
  };
  return {runHost, order, max: () => maxInFlight};
}

describe('rolling batches', () => {
  it('runs the canary alone, then each batch with at most --forks hosts in flight', async () => {
    const f = fakeHosts(new Set());
    const seen: number[] = [];
    const out = await runFleet({
      batches: makeBatches(hosts(12), parseSerial('1,5')),
      forks: 3,
      runHost: f.runHost,
      onBatch: (_n, _c, names) => seen.push(names.length),
    });
    expect(seen).toEqual([1, 5, 5, 1]);
    expect(f.max()).toBe(3);
    expect(out.results.map((r) => r.result)).toEqual(Array(12).fill('applied'));
    expect(out.stopped).toBeUndefined();
  });

  it('with --max-fail-percentage 0, a failed host lets the rest of its batch finish and no further batch starts', async () => {
    const f = fakeHosts(new Set(['h2']));
    const out = await runFleet({
      batches: makeBatches(hosts(6), parseSerial('1,3')),
      forks: 3,
      maxFailPercent: 0,
      runHost: f.runHost,
    });
    expect(out.results.map((r) => [r.host, r.result])).toEqual([
      ['h1', 'applied'],
      ['h2', 'rolled-back'],
      ['h3', 'applied'],
      ['h4', 'applied'],
      ['h5', 'not-started'],
      ['h6', 'not-started'],
    ]);
    expect(f.order).toEqual(['h1', 'h2', 'h3', 'h4']);
    expect(out.stopped).toMatchObject({afterBatch: 2, by: 'failures'});
    expect(out.stopped?.reason).toMatch(/1 of 3 host\(s\) failed, more than --max-fail-percentage 0/);
  });

  it('without --max-fail-percentage, a failed canary still stops the rollout (its whole batch failed)', async () => {
    const f = fakeHosts(new Set(['h1']));
    const out = await runFleet({batches: makeBatches(hosts(4), parseSerial('1,100%')), forks: 5, runHost: f.runHost});
    expect(out.results.map((r) => r.result)).toEqual(['rolled-back', 'not-started', 'not-started', 'not-started']);
    expect(out.stopped?.reason).toMatch(/every host of the batch failed/);
  });

  it('a stop asked for mid-batch lets hosts in flight end, starts no queued host and no further batch', async () => {
    const stop = new AbortController();
    const f = fakeHosts(new Set());
    const runHost = async (h: {name: string}, b: number) => {
      if (h.name === 'h2') stop.abort();
      return f.runHost(h, b);
    };
    const out = await runFleet({
      batches: makeBatches(hosts(6), parseSerial('1,3')),
      forks: 2,
      runHost: (h, b) => runHost(h, b),
      stop: stop.signal,
    });
    expect(out.results.map((r) => [r.host, r.result])).toEqual([
      ['h1', 'applied'],
      ['h2', 'applied'],
      ['h3', 'not-started'],
      ['h4', 'not-started'],
      ['h5', 'not-started'],
      ['h6', 'not-started'],
    ]);
    expect(out.stopped).toMatchObject({afterBatch: 2, by: 'operator'});
  });

  it('a host whose run throws is a failed result, never a crash of the fleet', async () => {
    const out = await runFleet({
      batches: [hosts(2)],
      forks: 2,
      runHost: async (h, b) => {
        if (h.name === 'h1') throw new Error('boom');
        return {host: h.name, batch: b, result: 'unchanged', changed: 0, ms: 1, steps: []};
      },
    });
    expect(out.results.map((r) => [r.result, r.reason])).toEqual([
      ['failed', 'boom'],
      ['unchanged', undefined],
    ]);
  });

  it('asks before each batch after the canary; a no stops the run there as the operator decided', async () => {
    const f = fakeHosts(new Set());
    const asked: number[] = [];
    const out = await runFleet({
      batches: makeBatches(hosts(4), parseSerial('1,2')),
      forks: 2,
      runHost: f.runHost,
      proceed: async (n) => {
        asked.push(n);
        return false;
      },
    });
    expect(asked).toEqual([2]);
    expect(f.order).toEqual(['h1']);
    expect(out.results.map((r) => [r.host, r.batch, r.result])).toEqual([
      ['h1', 1, 'applied'],
      ['h2', 2, 'not-started'],
      ['h3', 2, 'not-started'],
      ['h4', 3, 'not-started'],
    ]);
    expect(out.stopped).toEqual({afterBatch: 1, reason: 'the operator stopped after batch 1', by: 'operator'});
  });

  it('is not asked when the failure rule already stopped the run, nor for the canary', async () => {
    const f = fakeHosts(new Set(['h1']));
    let asked = 0;
    const out = await runFleet({
      batches: makeBatches(hosts(3), parseSerial('1,2')),
      forks: 2,
      runHost: f.runHost,
      proceed: async () => {
        asked++;
        return true;
      },
    });
    expect(asked).toBe(0);
    expect(out.stopped?.by).toBe('failures');
  });
});
