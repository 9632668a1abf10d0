import {type Drift, driftScript, parseDrift} from '../../drift/posture.js';
import {summarize} from '../../engine/compile.js';
import {countChanges, planRunbook} from '../../engine/runbook.js';
import {detectFacts} from '../../platform/detect.js';
import {exposures} from '../../platform/exposure.js';
import {RunError} from '../../util/errors.js';
import {type ConnectOptions, openTarget} from '../connect.js';
import {printJson} from '../json.js';
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
  const setup = setupRun(o);
  const target = await openTarget(spec, o);
  try {
    // The posture is read beside the plan's own two round trips (facts, then the steps' probe).
    const reading = target.run(driftScript());
    reading.catch(() => undefined);
    const facts = await detectFacts(target);
    const steps = await planRunbook(target, facts, setup.steps, setup.values);
    const driftOut = await reading;
    const posture = parseDrift(driftOut.stdout);
    if (driftOut.code !== 0) throw new RunError(`could not read the posture on ${target.label}: exit ${driftOut.code}`);
    if (!posture.baseline)
      throw new RunError(
        `no posture recorded on ${target.label}: an apply records one at its end (run apply, then check)`,
      );
    const exp = exposures(facts);
    // A new listener, in the words of the firewall as it runs now.
    const findings: Drift[] = posture.drift.map((d) => {
      const m = / now listens on (.+):(\d+)\/(tcp|udp)$/.exec(d.message);
      const e = m && exp.find((x) => x.port === Number(m[2]) && x.proto === m[3]);
      if (!e) return d;
      return {
        ...d,
        message: `${d.message}, ${e.exposed ? 'reachable from anywhere' : 'blocked by the firewall from outside'}`,
      };
    });
    for (const s of steps) {
      const blocking = s.plan.findings.filter((f) => f.level === 'error');
      if (blocking.length)
        findings.push({kind: 'plan', message: `${s.id} is refused: ${blocking.map((f) => f.message).join('; ')}`});
      else if (countChanges(s.plan.actions))
        findings.push({
          kind: 'plan',
          message: `${s.id} would change: ${s.plan.actions
            .filter((a) => a.kind !== 'proof' && a.kind !== 'timer.arm' && a.kind !== 'timer.disarm')
            .map(summarize)
            .join('; ')}`,
        });
    }
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
