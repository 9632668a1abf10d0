import type {Step} from '../core/types.js';
import type {RunValues} from '../core/values.js';
import {planRunbook} from '../engine/runbook.js';
import {describeFacts} from '../platform/detect.js';
import {exposures, meantPublic} from '../platform/exposure.js';
import {makeStyle, renderPlan} from '../present/plan-text.js';
import type {Target} from '../target/types.js';
import {pool} from './fleet-hosts.js';
import type {Opened} from './host-run.js';
import type {FleetHost} from './host-vars.js';

/** One host's dry run: its plan as plain text (what the grouping compares) and as data, or why none. */
export type HostPlan<J = unknown> =
  | {host: string; target: string; status: 'planned'; text: string; json: J}
  | {host: string; status: 'unreachable' | 'failed'; reason: string};

export interface PlanHostsOptions<J> {
  hosts: readonly FleetHost[];
  forks: number;
  steps: readonly Step<unknown>[];
  recipe: string;
  valuesFor(h: FleetHost): RunValues;
  open(h: FleetHost, values: RunValues): Promise<Opened>;
  /** The plan as data for --json; called only for hosts that were planned. */
  toJson?(
    target: Target,
    facts: Parameters<typeof describeFacts>[0],
    steps: Awaited<ReturnType<typeof planRunbook>>,
    exp: ReturnType<typeof exposures>,
  ): J;
  onPlanned?(p: HostPlan<J>): void;
}

/** The dry run on every host, `forks` at a time (read-only scripts only); results in inventory order. */
export function planHosts<J>(o: PlanHostsOptions<J>): Promise<HostPlan<J>[]> {
  const st = makeStyle(false);
  return pool(o.hosts, o.forks, async (h): Promise<HostPlan<J>> => {
    const p = await planOne(o, h, st);
    o.onPlanned?.(p);
    return p;
  });
}

async function planOne<J>(
  o: PlanHostsOptions<J>,
  h: FleetHost,
  st: ReturnType<typeof makeStyle>,
): Promise<HostPlan<J>> {
  const values = o.valuesFor(h);
  const opened = await o.open(h, values).catch((e: Error): Opened => ({unreachable: e.message}));
  if ('unreachable' in opened) return {host: h.name, status: 'unreachable', reason: opened.unreachable};
  if ('failed' in opened) return {host: h.name, status: 'failed', reason: opened.failed};
  const {target, facts} = opened;
  try {
    const steps = await planRunbook(target, facts, o.steps, values);
    const exp = exposures(facts, meantPublic(values));
    return {
      host: h.name,
      target: target.label,
      status: 'planned',
      text: renderPlan(steps, st, `portcullis plan: recipe ${o.recipe}: ${describeFacts(facts)}`),
      json: (o.toJson?.(target, facts, steps, exp) ?? undefined) as J,
    };
  } catch (e) {
    return {host: h.name, status: 'failed', reason: (e as Error).message};
  } finally {
    await target.close().catch(() => undefined);
  }
}

/** Hosts whose plans are identical, shown once under all their names, in inventory order of first host. */
export function groupPlans(plans: readonly HostPlan<unknown>[]): {text: string; hosts: string[]}[] {
  const groups = new Map<string, string[]>();
  for (const p of plans) if (p.status === 'planned') groups.set(p.text, [...(groups.get(p.text) ?? []), p.host]);
  return [...groups].map(([text, hosts]) => ({text, hosts}));
}
