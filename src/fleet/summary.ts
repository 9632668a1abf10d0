import type {ResultBody} from '../present/json.js';
import {type HostResult, succeeded} from './result.js';
import type {FleetOutcome} from './runner.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function exposureCell(r: HostResult): string {
  if (!r.exposure) return '-';
  const list = (l: readonly string[] | undefined) => (l === undefined ? '?' : l.length ? l.join(' ') : 'none');
  const b = list(r.exposure.before);
  const a = list(r.exposure.after);
  return a === b ? a : `${b} -> ${a}`;
}

/** The table a fleet run ends with: one row per host, then the counts and why the run stopped. */
export function summaryTable(o: FleetOutcome): string[] {
  const rows = o.results.map((r) => [r.host, r.result, String(r.changed), r.ms ? secs(r.ms) : '-', exposureCell(r)]);
  const head = ['host', 'result', 'changed', 'duration', 'exposure (before -> after)'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(width[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const counts = new Map<string, number>();
  for (const r of o.results) counts.set(r.result, (counts.get(r.result) ?? 0) + 1);
  const out = [line(head), ...rows.map(line)];
  out.push(`${o.results.length} host(s): ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}; ${secs(o.ms)} in all`);
  if (o.stopped) out.push(`stopped after batch ${o.stopped.afterBatch}: ${o.stopped.reason}`);
  for (const r of o.results) if (r.reason && r.result !== 'not-started') out.push(`${r.host}: ${r.reason}`);
  return out;
}

/** `apply --inventory --json`: one document, one result per host. */
export function fleetJson(
  o: FleetOutcome,
  meta: {run: string; recipe: string; inventory: string; batches: number; limit?: string},
): ResultBody<'apply --inventory'> {
  const ok = o.results.every(succeeded);
  return {
    run: meta.run,
    recipe: meta.recipe,
    inventory: meta.inventory,
    ...(meta.limit === undefined ? {} : {limit: meta.limit}),
    status: ok ? 'applied' : o.stopped?.by === 'operator' ? 'stopped' : 'failed',
    batches: meta.batches,
    ...(o.stopped ? {stopped: o.stopped} : {}),
    changed: o.results.reduce((n, r) => n + r.changed, 0),
    ms: o.ms,
    hosts: o.results,
  };
}
