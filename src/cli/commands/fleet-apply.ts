import type {RunValues} from '../../core/values.js';
import {localJournalPath} from '../../engine/journal.js';
import {makeBatches, parseForks, parsePercent, parseSerial} from '../../fleet/batches.js';
import {fleetHosts} from '../../fleet/fleet-hosts.js';
import {type HostRunContext, runHost} from '../../fleet/host-run.js';
import type {FleetHost} from '../../fleet/host-vars.js';
import {QueuedJournal} from '../../fleet/queued-journal.js';
import {succeeded} from '../../fleet/result.js';
import {runFleet} from '../../fleet/runner.js';
import {fleetJson, summaryTable} from '../../fleet/summary.js';
import {openSsh} from '../../fleet/ways-in.js';
import {printJson} from '../../present/json.js';
import {parseSets} from '../../recipes/load.js';
import {valuesSchema} from '../../recipes/schema.js';
import {InputError} from '../../util/errors.js';
import {localFile} from '../connect.js';
import {interruptKeys} from '../interrupt-keys.js';
import {checkTogether, newRunId, type RunSetup, setupRun} from '../run-setup.js';
import type {ApplyCliOptions} from './apply.js';

export interface FleetCliOptions {
  inventory: string;
  limit?: string;
  serial?: string;
  forks?: string;
  maxFailPercentage?: string;
}

/** Ansible's default is every host at once; portcullis starts with one canary, then the rest. */
export const DEFAULT_SERIAL = '1,100%';
export const DEFAULT_FORKS = '5';

/**
 * `apply --inventory FILE`: the recipe on every selected host, in rolling batches (the first is the
 * canary), each host with its own lock, dead-man timers, proofs and journal. Headless with --yes; without
 * it, on a terminal, the fleet wizard (fleet-wizard.ts).
 * Exit 0 when every host succeeded, 1 otherwise, 2 when the input is refused (nothing connected).
 */
export async function runFleetApply(spec: string | undefined, o: ApplyCliOptions & FleetCliOptions): Promise<void> {
  if (spec || o.local) throw new InputError('--inventory names the hosts: give it without a TARGET or --local');
  if (o.saveAnswers) throw new InputError("--save-answers saves one host's values: run it without --inventory");
  if (!o.yes) return (await import('./fleet-wizard.js')).runFleetWizard(o);
  const {setup, hosts, valuesFor, forks, maxFail, batches} = rollout(o);
  const runId = newRunId();
  const width = Math.min(30, Math.max(...hosts.map((h) => h.name.length)));
  const write = (line: string) => process.stderr.write(`${line}\n`);
  const {stop, stopHosts, release} = fleetStops(write);
  try {
    const outcome = await runFleet({
      batches,
      forks,
      maxFailPercent: maxFail,
      stop,
      stopHosts,
      onBatch: (n, count, names) =>
        write(`batch ${n}/${count}${n === 1 && count > 1 ? ' (canary)' : ''}: ${names.join(', ')}`),
      runHost: (host, batch, hostStop) =>
        runHost(hostRunContext(o, setup, valuesFor, runId, width, write), host, batch, hostStop),
    });
    write(summaryTable(outcome).join('\n'));
    if (o.json) {
      const doc = fleetJson(outcome, {
        run: runId,
        recipe: setup.recipeName,
        inventory: o.inventory,
        batches: batches.length,
        limit: o.limit,
      });
      printJson('apply --inventory', doc);
    }
    process.exitCode = outcome.results.every(succeeded) ? 0 : 1;
  } finally {
    release();
  }
}

/** What every host of a fleet run gets: the recipe's steps, its values, its way in, its journal copy. */
export function hostRunContext(
  o: ApplyCliOptions,
  setup: RunSetup,
  valuesFor: (h: FleetHost) => RunValues,
  runId: string,
  nameWidth: number,
  write: (line: string) => void,
): HostRunContext {
  const ssh = {sshConfig: o.sshConfig, identity: o.identity, acceptNewHostKey: o.acceptNewHostKey};
  return {
    steps: setup.steps,
    runId,
    until: o.until,
    breakLock: o.breakLock === true,
    ahead: o.ahead === false ? undefined : 'install',
    nameWidth,
    write,
    valuesFor,
    settings: {connectTunnel: o.connectTunnel === true},
    open: (h, values) => openSsh(h, values, ssh),
    journalFor: (target) => new QueuedJournal(localJournalPath(target.label)),
    operator: {
      connectTunnel: async (confPath, iface) => {
        const {connectTunnel} = await import('../../wg/tunnel.js');
        await connectTunnel(confPath, iface);
      },
    },
  };
}

/** fleetSetup, and the rollout's shape: --serial into batches, --forks, --max-fail-percentage. */
export function rollout(o: Parameters<typeof fleetSetup>[0]) {
  const base = fleetSetup(o);
  const serial = parseSerial(o.serial ?? DEFAULT_SERIAL);
  const forks = parseForks(o.forks ?? DEFAULT_FORKS);
  const maxFail =
    o.maxFailPercentage === undefined ? undefined : parsePercent(o.maxFailPercentage, '--max-fail-percentage');
  return {...base, forks, maxFail, batches: makeBatches(base.hosts, serial)};
}

/**
 * Everything a fleet run reads, validated before the first connection (exit 2 otherwise): the recipe,
 * answers and --set; the inventory and --limit; each host's way in and values; --ssh-config and -i.
 */
export function fleetSetup(
  o: FleetCliOptions & {
    recipe?: string;
    set?: string[];
    answers?: string;
    confirmTimeout?: string;
    until?: string;
    sshConfig?: string;
    identity?: string;
  },
): {setup: RunSetup; hosts: FleetHost[]; valuesFor: (h: FleetHost) => RunValues} {
  if (o.sshConfig !== undefined) localFile(o.sshConfig, '--ssh-config');
  if (o.identity !== undefined) localFile(o.identity, '--identity');
  const setup = setupRun(o);
  const sets = parseSets(o.set ?? []);
  const {hosts} = fleetHosts(o.inventory, o.limit);
  // Precedence: recipe, answers, inventory vars (groups, host, portcullis_*), then --set and flags.
  const given = setup.values.given;
  // Each host's values resolved once (typed by the schema: every part of it was checked already).
  const resolved = new Map<FleetHost, RunValues>();
  for (const h of hosts) {
    const mine = valuesSchema.parse({
      ...given,
      ...h.values,
      ...sets,
      ...(given.confirm_timeout !== undefined ? {confirm_timeout: given.confirm_timeout} : {}),
    });
    resolved.set(h, checkTogether(mine, setup.recipeName, h.endpoint.user));
  }
  const valuesFor = (h: FleetHost): RunValues => resolved.get(h) ?? setup.values;
  return {setup, hosts, valuesFor};
}

/**
 * Ctrl-C in a fleet run: the first stops before the next batch (queued hosts do not start; hosts in
 * flight run to their end), the second makes hosts in flight stop before their next step (the step in
 * flight finishes or rolls back), the third leaves at once (armed timers restore their hosts).
 */
function fleetStops(write: (line: string) => void) {
  const stop = new AbortController();
  const stopHosts = new AbortController();
  const onSigint = () => {
    if (!stop.signal.aborted) {
      write(
        'portcullis: stopping before the next batch; hosts in flight finish (Ctrl-C again: they stop after their step in flight)',
      );
      stop.abort();
    } else if (!stopHosts.signal.aborted) {
      write(
        'portcullis: hosts in flight stop after their step in flight (Ctrl-C again to leave now; armed timers restore)',
      );
      stopHosts.abort();
    } else {
      write('portcullis: stopped at once; a step under its dead-man timer is restored by the timer');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  // On a terminal, Ctrl-C as a key: the terminal's signal would also end the ssh clients in flight.
  const keys = interruptKeys(onSigint);
  return {
    stop: stop.signal,
    stopHosts: stopHosts.signal,
    release: () => {
      keys();
      process.off('SIGINT', onSigint);
    },
  };
}
