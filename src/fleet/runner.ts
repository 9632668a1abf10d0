import {batchStops} from './batches.js';
import {failedHost, type HostResult} from './result.js';

export interface FleetRunOptions<H extends {name: string}> {
  batches: readonly (readonly H[])[];
  /** Hosts in flight at once within a batch. */
  forks: number;
  maxFailPercent?: number;
  /**
   * Runs one host to its end. Must not throw: every outcome is a HostResult. `stop` is aborted when the
   * operator asks the hosts in flight to stop before their next step.
   */
  runHost: (host: H, batch: number, stop: AbortSignal) => Promise<HostResult>;
  /** Aborted: no batch and no queued host starts any more; hosts in flight run to their end. */
  stop?: AbortSignal;
  /** Aborted: hosts in flight stop before their next step (the step in flight finishes or rolls back). */
  stopHosts?: AbortSignal;
  onBatch?: (index: number, count: number, hosts: readonly string[]) => void;
  /**
   * Asked before each batch after the first that the failure rule lets start (the wizard asks after the
   * canary): false stops the run there, as the operator's decision.
   */
  proceed?: (nextBatch: number, count: number) => Promise<boolean>;
  onHost?: (r: HostResult) => void;
}

export interface FleetOutcome {
  results: HostResult[];
  /** Why no further batch started, when the run stopped early. */
  stopped?: {afterBatch: number; reason: string; by: 'failures' | 'operator'};
  ms: number;
}

/**
 * Rolling batches: each batch runs with at most `forks` hosts in flight, a host's failure never holds
 * the others (each one ends on its own: applied, or rolled back under its own timer), and the next
 * batch starts only when the whole batch has ended and the failure rule lets it. Holds nothing per host
 * but its result.
 */
export async function runFleet<H extends {name: string}>(o: FleetRunOptions<H>): Promise<FleetOutcome> {
  const started = Date.now();
  const results: HostResult[] = [];
  const never = new AbortController().signal;
  let stopped: FleetOutcome['stopped'];
  const notStarted = (h: H, batch: number, reason: string): HostResult => ({
    host: h.name,
    batch,
    result: 'not-started',
    changed: 0,
    ms: 0,
    steps: [],
    reason,
  });
  for (const [i, batch] of o.batches.entries()) {
    const n = i + 1;
    if (stopped) {
      for (const h of batch) results.push(notStarted(h, n, `the run stopped after batch ${stopped.afterBatch}`));
      continue;
    }
    if (!o.stop?.aborted && n > 1 && o.proceed && !(await o.proceed(n, o.batches.length))) {
      stopped = {afterBatch: i, reason: `the operator stopped after batch ${i}`, by: 'operator'};
      for (const h of batch) results.push(notStarted(h, n, `the operator stopped after batch ${i}`));
      continue;
    }
    if (o.stop?.aborted) {
      stopped = {afterBatch: i, reason: 'stopped by the operator', by: 'operator'};
      for (const h of batch) results.push(notStarted(h, n, 'stopped by the operator before its batch'));
      continue;
    }
    o.onBatch?.(
      n,
      o.batches.length,
      batch.map((h) => h.name),
    );
    const inBatch: HostResult[] = [];
    let next = 0;
    const worker = async () => {
      for (;;) {
        const h = batch[next++];
        if (!h) return;
        const r = o.stop?.aborted
          ? notStarted(h, n, 'stopped by the operator before it started')
          : await o.runHost(h, n, o.stopHosts ?? never).catch(
              (e): HostResult => ({
                host: h.name,
                batch: n,
                result: 'failed',
                changed: 0,
                ms: 0,
                steps: [],
                reason: (e as Error).message,
              }),
            );
        inBatch.push(r);
        o.onHost?.(r);
      }
    };
    await Promise.all(Array.from({length: Math.min(o.forks, batch.length)}, worker));
    // Results in inventory order within the batch.
    const order = new Map(batch.map((h, k) => [h.name, k]));
    inBatch.sort((a, b) => (order.get(a.host) ?? 0) - (order.get(b.host) ?? 0));
    results.push(...inBatch);
    const started = inBatch.filter((r) => r.result !== 'not-started');
    const failed = started.filter(failedHost).length;
    if (o.stop?.aborted) stopped = {afterBatch: n, reason: 'stopped by the operator', by: 'operator'};
    else if (batchStops(failed, started.length, o.maxFailPercent) && n < o.batches.length) {
      const rule =
        failed === started.length
          ? 'every host of the batch failed'
          : `${failed} of ${started.length} host(s) failed, more than --max-fail-percentage ${o.maxFailPercent}`;
      stopped = {afterBatch: n, reason: `batch ${n}: ${rule}`, by: 'failures'};
    }
  }
  return {results, stopped, ms: Date.now() - started};
}
