import {checkHost} from '../../drift/check-host.js';
import type {Drift} from '../../drift/posture.js';
import {parseForks} from '../../fleet/batches.js';
import {pool} from '../../fleet/fleet-hosts.js';
import {openSsh} from '../../fleet/ways-in.js';
import {printJson} from '../../present/json.js';
import {assertNever, InputError} from '../../util/errors.js';
import type {ConnectOptions} from '../connect.js';
import {DRIFT_EXIT} from './check.js';
import {DEFAULT_FORKS, type FleetCliOptions, fleetSetup} from './fleet-apply.js';

interface FleetCheckOptions extends ConnectOptions, FleetCliOptions {
  recipe?: string;
  set?: string[];
  answers?: string;
  json?: boolean;
}

export type HostCheck =
  | {host: string; target: string; status: 'ok' | 'drift'; drift: Drift[]}
  | {host: string; target?: string; status: 'unreachable' | 'failed'; reason: string};

/**
 * Exit status of `check --inventory`: 3 when a host drifted (known not to be as recorded), else 1 when a
 * host could not be checked (unreachable, no posture recorded), else 0: every host is as recorded.
 */
export function fleetCheckExit(checks: readonly HostCheck[]): number {
  if (checks.some((c) => c.status === 'drift')) return DRIFT_EXIT;
  return checks.every((c) => c.status === 'ok') ? 0 : 1;
}

/** One line per host: `web1  ✔ as recorded` or `web2  ✘ drifted (2): ...; ...`. */
export function hostCheckLine(c: HostCheck, width: number): string {
  const p = c.host.padEnd(width);
  switch (c.status) {
    case 'ok':
      return `${p}  ✔ as recorded, and the recipe plans no change`;
    case 'drift':
      return `${p}  ✘ drifted (${c.drift.length}): ${c.drift.map((d) => d.message).join('; ')}`;
    case 'unreachable':
      return `${p}  ✘ unreachable: ${c.reason}`;
    case 'failed':
      return `${p}  ✘ not checked: ${c.reason}`;
    default:
      return assertNever(c, 'host check');
  }
}

/** The closing line: how many hosts are as recorded, drifted, or could not be checked. */
export function checkSummary(checks: readonly HostCheck[]): string {
  const n = (s: HostCheck['status']) => checks.filter((c) => c.status === s).length;
  const parts = [`${n('ok')} as recorded`, `${n('drift')} drifted`];
  if (n('unreachable')) parts.push(`${n('unreachable')} unreachable`);
  if (n('failed')) parts.push(`${n('failed')} not checked`);
  return `${checks.length} host(s): ${parts.join(', ')}`;
}

/**
 * `check --inventory FILE`: `check` on every selected host, `--forks` at a time (read only). A line per
 * host as it ends, then a summary; --json one document with a result per host. Exit: fleetCheckExit.
 */
export async function runFleetCheck(spec: string | undefined, o: FleetCheckOptions): Promise<void> {
  if (spec || o.local) throw new InputError('--inventory names the hosts: give it without a TARGET or --local');
  const {setup, hosts, valuesFor} = fleetSetup(o);
  const forks = parseForks(o.forks ?? DEFAULT_FORKS);
  const ssh = {sshConfig: o.sshConfig, identity: o.identity, acceptNewHostKey: o.acceptNewHostKey};
  const out = o.json ? process.stderr : process.stdout;
  const write = (line: string) => out.write(`${line}\n`);
  const width = Math.min(30, Math.max(...hosts.map((h) => h.name.length)));
  const checks = await pool(hosts, forks, async (h): Promise<HostCheck> => {
    const values = valuesFor(h);
    const opened = await openSsh(h, values, ssh).catch((e: Error) => ({unreachable: e.message}));
    let c: HostCheck;
    if ('unreachable' in opened) c = {host: h.name, status: 'unreachable', reason: opened.unreachable};
    else if ('failed' in opened) c = {host: h.name, status: 'failed', reason: opened.failed};
    else {
      const {target, facts} = opened;
      try {
        const drift = await checkHost(target, facts, setup.steps, values);
        c = {host: h.name, target: target.label, status: drift.length ? 'drift' : 'ok', drift};
      } catch (e) {
        c = {host: h.name, target: target.label, status: 'failed', reason: (e as Error).message};
      } finally {
        await target.close().catch(() => undefined);
      }
    }
    write(hostCheckLine(c, width));
    return c;
  });
  write(checkSummary(checks));
  const exit = fleetCheckExit(checks);
  if (o.json)
    printJson('check --inventory', {
      recipe: setup.recipeName,
      inventory: o.inventory,
      ...(o.limit === undefined ? {} : {limit: o.limit}),
      status: exit === 0 ? 'ok' : exit === DRIFT_EXIT ? 'drift' : 'incomplete',
      hosts: checks,
    });
  process.exitCode = exit;
}
