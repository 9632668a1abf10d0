import type {Facts} from '../core/facts.js';
import type {Step} from '../core/types.js';
import type {RunValues} from '../core/values.js';
import {recordPosture} from '../drift/record.js';
import type {AheadMode} from '../engine/ahead.js';
import type {EventSink} from '../engine/events.js';
import {applyRunbook} from '../engine/runbook.js';
import {detectFacts} from '../platform/detect.js';
import {type Exposure, exposures, meantPublic} from '../platform/exposure.js';
import type {Target} from '../target/types.js';
import {hostLines} from './host-lines.js';
import type {FleetHost} from './host-vars.js';
import type {QueuedJournal} from './queued-journal.js';
import type {HostResult, HostStepResult} from './result.js';

/** A way in that answered (the facts are its first round trip), or why none did. */
export type Opened = {target: Target; facts: Facts} | {unreachable: string} | {failed: string};

export interface HostRunContext {
  steps: readonly Step<unknown>[];
  runId: string;
  until?: string;
  breakLock?: boolean;
  ahead?: AheadMode;
  /** The host's recipe values: the run's, its inventory vars, then --set. */
  valuesFor(host: FleetHost): RunValues;
  /** How the run works (--connect-tunnel). */
  settings?: {connectTunnel: boolean};
  open(host: FleetHost, values: RunValues): Promise<Opened>;
  journalFor(target: Target): QueuedJournal;
  /** One finished line of output (no newline). */
  write(line: string): void;
  /** Width the host names are padded to in the lines. */
  nameWidth?: number;
  operator?: {connectTunnel(confPath: string, iface: string): Promise<void>};
}

/** Ports anyone can reach, as `22/tcp`, sorted. */
export function exposedPorts(list: readonly Exposure[]): string[] {
  const s = new Set(list.filter((e) => e.exposed).map((e) => `${e.port}/${e.proto}`));
  return [...s].sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.localeCompare(b));
}

/**
 * One host from connection to close: the same engine, lock, dead-man timers, proofs and journal as a
 * single-host `apply`. Never throws; whatever happened is the result. Keeps nothing once it returns.
 */
export async function runHost(
  ctx: HostRunContext,
  host: FleetHost,
  batch: number,
  stop: AbortSignal,
): Promise<HostResult> {
  const started = Date.now();
  const values = ctx.valuesFor(host);
  const base = {host: host.name, batch, changed: 0, steps: [] as HostStepResult[]};
  let opened: Opened;
  try {
    opened = await ctx.open(host, values);
  } catch (e) {
    opened = {unreachable: (e as Error).message};
  }
  if ('unreachable' in opened) {
    ctx.write(`${host.name.padEnd(ctx.nameWidth ?? 0)}  ✘ unreachable: ${opened.unreachable}`);
    return {...base, result: 'unreachable', ms: Date.now() - started, reason: opened.unreachable};
  }
  if ('failed' in opened) {
    ctx.write(`${host.name.padEnd(ctx.nameWidth ?? 0)}  ✘ ${opened.failed}`);
    return {...base, result: 'failed', ms: Date.now() - started, reason: opened.failed};
  }
  const {target, facts} = opened;
  const pad = host.name.padEnd(ctx.nameWidth ?? 0);
  const meant = meantPublic(values);
  const before = exposedPorts(exposures(facts, meant));
  const events = hostLines(host.name, ctx.write, ctx.nameWidth);
  let rolledBack = false;
  // On a failure the engine throws: the steps that ended before it are known from its events.
  const seen: HostStepResult[] = [];
  let stepStart = Date.now();
  const sink: EventSink = (e) => {
    if (e.type === 'step.planned' && !seen.some((s) => s.id === e.step.id)) stepStart = Date.now();
    if (e.type === 'step.compliant') seen.push({id: e.id, status: 'compliant', changed: 0, ms: Date.now() - stepStart});
    if (e.type === 'step.done') seen.push({id: e.id, status: 'applied', changed: e.changed, ms: e.ms});
    if (e.type === 'step.failed') seen.push({id: e.id, status: 'failed', changed: 0, ms: Date.now() - stepStart});
    if (e.type === 'step.rolled-back') {
      rolledBack = true;
      seen.push({id: e.id, status: 'rolled-back', changed: 0, ms: Date.now() - stepStart});
    }
    events(e);
  };
  const journal = ctx.journalFor(target);
  try {
    const r = await applyRunbook({
      target,
      facts,
      steps: ctx.steps,
      values,
      settings: ctx.settings,
      runId: ctx.runId,
      journal,
      events: sink,
      signal: stop,
      until: ctx.until,
      breakLock: ctx.breakLock === true,
      ahead: ctx.ahead,
      operator: ctx.operator,
      // Consented as a whole with --yes, as for a single host.
      confirm: async () => true,
    });
    const unrecorded = await recordPosture(target);
    if (unrecorded)
      sink({type: 'finding', id: r.steps.at(-1)?.id ?? 'preflight', finding: {level: 'warn', message: unrecorded}});
    const after = exposedPorts(exposures(r.facts, meant));
    return {
      ...base,
      target: target.label,
      result: r.changed > 0 ? 'applied' : 'unchanged',
      changed: r.changed,
      ms: Date.now() - started,
      steps: r.steps,
      exposure: {before, after},
    };
  } catch (e) {
    const after = await exposedNow(target, meant);
    return {
      ...base,
      target: target.label,
      result: rolledBack ? 'rolled-back' : 'failed',
      // Steps applied before the failure stay applied (each was proven); only the failing one is undone.
      changed: seen.reduce((n, s) => n + s.changed, 0),
      steps: seen,
      ms: Date.now() - started,
      exposure: {before, after},
      reason: (e as Error).message,
    };
  } finally {
    await target.close().catch(() => undefined);
    await journal
      .flush()
      .catch((e: Error) => ctx.write(`${pad}  ! the journal copy on this machine is incomplete: ${e.message}`));
  }
}

/** What is reachable after a failure, or undefined when the host does not answer within a few seconds. */
async function exposedNow(target: Target, meant: string[]): Promise<string[] | undefined> {
  const read = detectFacts(target).then(
    (f) => exposedPorts(exposures(f, meant)),
    () => undefined,
  );
  return Promise.race([read, new Promise<undefined>((r) => setTimeout(r, 8000, undefined).unref())]);
}
