import type {HostResult} from '../../fleet/result.js';
import {block, codeBlock, type Line, type Tone} from '../model/lines.js';
import {type FleetUiState, rolloutOf} from './fleet-state.js';

function planTone(row: string): Tone {
  if (row.startsWith('+')) return 'add';
  if (row.startsWith('-')) return 'del';
  if (row.startsWith('@@')) return 'hunk';
  return 'plain';
}

/** The review's scrolling body: each distinct plan once, under every host it is for; then the hosts without a plan. */
export function fleetReviewLines(s: FleetUiState, width: number): Line[] {
  const out: Line[] = [];
  for (const g of s.groups) {
    if (out.length) out.push({text: '', tone: 'plain'});
    const what = g.hosts.length === 1 ? '1 host' : `${g.hosts.length} hosts, one plan`;
    out.push(...block(`▸ ${g.hosts.join(', ')} (${what})`, 'accent', width, 0, undefined, 2));
    for (const row of g.text.replace(/\n+$/, '').split('\n')) out.push(...codeBlock(row, planTone(row), width, 2));
  }
  for (const p of s.notPlanned) {
    if (out.length) out.push({text: '', tone: 'plain'});
    out.push(...block(`✘ ${p.host}: ${p.status}: ${p.reason}`, 'error', width, 0, undefined, 2));
  }
  return out;
}

/** The review's two header rows: what runs where, and how the batches roll. */
export function fleetHeader(s: FleetUiState): [string, string] {
  const total = s.batches.reduce((n, b) => n + b.length, 0);
  const canary = s.batches[0] ?? [];
  const {sizes} = rolloutOf(s);
  const rule = s.maxFailPercent === undefined ? '' : ` · stop if over ${s.maxFailPercent}% of a batch fails`;
  return [
    `fleet review · ${s.recipe} on ${total} host(s) · ${s.groups.length} distinct plan(s) · ${s.inventory}`,
    `canary ${canary.join(', ')}${sizes.length ? `, then batches of ${sizes.join(', ')}` : ''} · forks ${s.forks}${rule}`,
  ];
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One finished host in a row: result, changes, time, exposure before -> after; why, when it failed. */
export function hostResultLines(r: HostResult, width: number): Line[] {
  const tone: Tone = r.result === 'applied' || r.result === 'unchanged' ? 'ok' : 'error';
  const exp = r.exposure
    ? `; ${r.exposure.before.join(' ') || 'none'} -> ${r.exposure.after === undefined ? '?' : r.exposure.after.join(' ') || 'none'}`
    : '';
  const out = block(`${r.host} ${r.result}: ${r.changed} change(s), ${secs(r.ms)}${exp}`, tone, width, 2, undefined, 2);
  if (r.reason) out.push(...block(r.reason, 'dim', width, 4));
  return out;
}

/** The canary's outcome, as the rollout question shows it. */
export function canaryLines(s: FleetUiState, width: number): Line[] {
  const canary = new Set(s.batches[0] ?? []);
  return s.results.filter((r) => canary.has(r.host)).flatMap((r) => hostResultLines(r, width));
}
