import {checkHost} from '../../drift/check-host.js';
import {detectFacts} from '../../platform/detect.js';
import {printJson} from '../../present/json.js';
import {type ConnectOptions, openTarget} from '../connect.js';
import {setupRun} from '../run-setup.js';

/** Exit status of a check that found the server drifted from what the last apply left (0: it matches). */
export const DRIFT_EXIT = 3;

interface CheckOptions extends ConnectOptions {
  recipe?: string;
  set?: string[];
  json?: boolean;
}

/**
 * Plans the recipe against the server and compares its posture with the one the last apply recorded: the
 * plan's facts and probe round trips, with the posture read beside them. Changes nothing.
 */
export async function runCheck(spec: string | undefined, o: CheckOptions): Promise<void> {
  const fleet = o as CheckOptions & import('./fleet-apply.js').FleetCliOptions;
  if (fleet.inventory !== undefined) return (await import('./fleet-check.js')).runFleetCheck(spec, fleet);
  const setup = setupRun(o);
  const target = await openTarget(spec, o);
  try {
    const findings = await checkHost(target, detectFacts(target), setup.steps, setup.values);
    if (o.json) {
      printJson('check', {
        target: target.label,
        recipe: setup.recipeName,
        status: findings.length ? 'drift' : 'ok',
        drift: findings,
      });
    } else {
      const w = (s: string) => process.stdout.write(`${s}\n`);
      if (!findings.length)
        w(`${target.label}: matches the posture the last apply left, and ${setup.recipeName} plans no change`);
      else {
        w(`${target.label}: drifted from the posture the last apply left (${findings.length} finding(s)):`);
        for (const f of findings) w(`  ${f.message}`);
      }
    }
    if (findings.length) process.exitCode = DRIFT_EXIT;
  } finally {
    await target.close();
  }
}
