import type {Facts} from '../core/facts.js';
import type {ProbeData, ProbeRequest, Step} from '../core/types.js';
import type {Target} from '../target/types.js';
import {paramsOf, type RunInput} from './prepare.js';
import {parseProbe, probeScript} from './protocol.js';

function mergeRequests(reqs: readonly ProbeRequest[]): ProbeRequest {
  const files = new Set<string>();
  const queries: Record<string, string> = {};
  for (const r of reqs) {
    for (const f of r.files ?? []) files.add(f);
    Object.assign(queries, r.queries);
  }
  return {files: [...files], queries};
}

/** What a read of the target brought back, kept until the target changes: later plans may use it. */
export interface ReadCache {
  req: ProbeRequest;
  data: ProbeData;
}

/** True when `have` read every file and ran every query (the same command) that `want` asks for. */
export function covers(have: ProbeRequest, want: ProbeRequest): boolean {
  const files = new Set(have.files ?? []);
  if (!(want.files ?? []).every((f) => files.has(f))) return false;
  return Object.entries(want.queries ?? {}).every(([k, q]) => have.queries?.[k] === q);
}

/**
 * What the step's convergence check and the next step's plan will probably read, as they would ask with
 * the facts and values from before the step (a guess: each use checks it, see `covers`). A step whose
 * values do not plan is left out (it will say why itself).
 */
export function likelyReads(
  step: Step<unknown>,
  next: Step<unknown> | undefined,
  input: RunInput,
  facts: Facts,
): ProbeRequest {
  const reqs: ProbeRequest[] = [];
  for (const s of [step, next]) {
    if (!s) continue;
    try {
      reqs.push(s.probe(facts, paramsOf(s, input, facts)));
    } catch {
      // Planned for real later, with its own read and its own error.
    }
  }
  return mergeRequests(reqs);
}

/**
 * The run's first read: what the derivations need and what the first `count` steps will likely ask for
 * (with the values as they are before derivation), in one round trip; offline, the profile's answers.
 */
export async function readFirst(
  target: Target | undefined,
  facts: Facts,
  steps: readonly Step<unknown>[],
  input: RunInput,
  extra: readonly ProbeRequest[],
  count: number,
): Promise<ReadCache> {
  const req = mergeRequests([...extra, ...steps.slice(0, count).map((s) => likelyReads(s, undefined, input, facts))]);
  if (!target) {
    const data: ProbeData = {files: {}, queries: {}};
    for (const f of req.files ?? []) data.files[f] = {exists: false};
    return {req, data};
  }
  const r = await target.run(probeScript(req));
  return {req, data: parseProbe(r.stdout)};
}

/** Reads what the steps asked for: one round trip for any number of steps; offline, the profile's answers. */
export async function probeSteps(
  target: Target | undefined,
  facts: Facts,
  steps: readonly {step: Step<unknown>; params: unknown}[],
  cache?: ReadCache,
  /** Told what was read (the request and the data), so a later plan can reuse it. */
  keep?: (c: ReadCache) => void,
): Promise<ProbeData> {
  const req = mergeRequests(steps.map((s) => s.step.probe(facts, s.params)));
  if (target && cache && covers(cache.req, req)) return cache.data;
  if (!target) {
    const data: ProbeData = {files: {}, queries: {}};
    for (const f of req.files ?? []) data.files[f] = {exists: false};
    for (const s of steps) {
      const off = s.step.offline?.(facts, s.params);
      Object.assign(data.files, off?.files);
      Object.assign(data.queries, off?.queries);
    }
    return data;
  }
  if (!req.files?.length && !Object.keys(req.queries ?? {}).length) return {files: {}, queries: {}};
  const r = await target.run(probeScript(req));
  const data = parseProbe(r.stdout);
  keep?.({req, data});
  return data;
}
