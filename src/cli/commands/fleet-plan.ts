import {parseForks} from '../../fleet/batches.js';
import {groupPlans, planHosts} from '../../fleet/plan-hosts.js';
import {openSsh} from '../../fleet/ways-in.js';
import {planJson, printJson} from '../../present/json.js';
import {InputError} from '../../util/errors.js';
import type {ConnectOptions} from '../connect.js';
import {DEFAULT_FORKS, type FleetCliOptions, fleetSetup} from './fleet-apply.js';

interface FleetPlanOptions extends ConnectOptions, FleetCliOptions {
  recipe?: string;
  set?: string[];
  answers?: string;
  platform?: string;
  format?: 'text' | 'sh';
  json?: boolean;
}

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
  const plans = await planHosts({
    hosts,
    forks,
    steps: setup.steps,
    recipe: setup.recipeName,
    valuesFor,
    open: (h, values) => openSsh(h, values, ssh),
    toJson: (target, facts, steps, exp) => planJson(setup.recipeName, target.label, facts, steps, exp),
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
    const groups = groupPlans(plans);
    const out: string[] = [
      `portcullis plan: recipe ${setup.recipeName} on ${hosts.length} host(s) of ${o.inventory}: ${groups.length} distinct plan(s)`,
    ];
    for (const g of groups) out.push('', `== ${g.hosts.join(', ')} (${g.hosts.length} host(s)) ==`, g.text);
    for (const p of plans) if (p.status !== 'planned') out.push('', `== ${p.host}: ${p.status}: ${p.reason}`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
  if (plans.some((p) => p.status !== 'planned')) process.exitCode = 1;
}
