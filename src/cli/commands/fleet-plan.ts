import {planRunbook} from '../../engine/runbook.js';
import {parseForks} from '../../fleet/batches.js';
import {pool} from '../../fleet/fleet-hosts.js';
import {openSsh} from '../../fleet/ways-in.js';
import {describeFacts} from '../../platform/detect.js';
import {exposures, meantPublic} from '../../platform/exposure.js';
import {makeStyle, renderPlan} from '../../render/plan-text.js';
import {InputError} from '../../util/errors.js';
import type {ConnectOptions} from '../connect.js';
import {planJson, printJson} from '../json.js';
import {DEFAULT_FORKS, type FleetCliOptions, fleetSetup} from './fleet-apply.js';

interface FleetPlanOptions extends ConnectOptions, FleetCliOptions {
  recipe?: string;
  set?: string[];
  answers?: string;
  platform?: string;
  format?: 'text' | 'sh';
  json?: boolean;
}

type HostPlan =
  | {host: string; target: string; status: 'planned'; text: string; json: ReturnType<typeof planJson>}
  | {host: string; status: 'unreachable' | 'failed'; reason: string};

/**
 * `plan --inventory FILE`: the dry run on every selected host (read-only scripts only), `--forks` at a
 * time. Hosts whose plans are identical are shown once, under all their names. Exit 1 when a host could
 * not be planned.
 */
export async function runFleetPlan(spec: string | undefined, o: FleetPlanOptions): Promise<void> {
  if (spec || o.local || o.platform)
    throw new InputError('--inventory names the hosts: give it without a TARGET, --local or --platform');
  if (o.format === 'sh') throw new InputError("--format sh exports one host's plan: run it without --inventory");
  const {setup, hosts, valuesFor} = fleetSetup(o);
  const forks = parseForks(o.forks ?? DEFAULT_FORKS);
  const ssh = {sshConfig: o.sshConfig, identity: o.identity, acceptNewHostKey: o.acceptNewHostKey};
  const st = makeStyle(false);
  const plans = await pool(hosts, forks, async (h): Promise<HostPlan> => {
    const values = valuesFor(h);
    const opened = await openSsh(h, values, ssh);
    if ('unreachable' in opened) return {host: h.name, status: 'unreachable', reason: opened.unreachable};
    if ('failed' in opened) return {host: h.name, status: 'failed', reason: opened.failed};
    const {target, facts} = opened;
    try {
      const steps = await planRunbook(target, facts, setup.steps, values);
      const exp = exposures(facts, meantPublic(values));
      return {
        host: h.name,
        target: target.label,
        status: 'planned',
        text: renderPlan(steps, st, `portcullis plan: recipe ${setup.recipeName}: ${describeFacts(facts)}`),
        json: planJson(setup.recipeName, target.label, facts, steps, exp),
      };
    } catch (e) {
      return {host: h.name, status: 'failed', reason: (e as Error).message};
    } finally {
      await target.close().catch(() => undefined);
    }
  });
  if (o.json) {
    printJson('plan --inventory', {
      recipe: setup.recipeName,
      inventory: o.inventory,
      ...(o.limit === undefined ? {} : {limit: o.limit}),
      mode: 'plan',
      hosts: plans.map((p) =>
        p.status === 'planned'
          ? {host: p.host, status: p.status, plan: p.json}
          : {host: p.host, status: p.status, reason: p.reason},
      ),
    });
  } else {
    const groups = new Map<string, string[]>();
    for (const p of plans) if (p.status === 'planned') groups.set(p.text, [...(groups.get(p.text) ?? []), p.host]);
    const out: string[] = [
      `portcullis plan: recipe ${setup.recipeName} on ${hosts.length} host(s) of ${o.inventory}: ${groups.size} distinct plan(s)`,
    ];
    for (const [text, names] of groups) out.push('', `== ${names.join(', ')} (${names.length} host(s)) ==`, text);
    for (const p of plans) if (p.status !== 'planned') out.push('', `== ${p.host}: ${p.status}: ${p.reason}`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
  if (plans.some((p) => p.status !== 'planned')) process.exitCode = 1;
}
