import type {Facts} from '../core/facts.js';
import type {Step} from '../core/types.js';
import type {RunValues} from '../core/values.js';
import {summarize} from '../engine/compile.js';
import {countChanges, planRunbook} from '../engine/runbook.js';
import {exposures} from '../platform/exposure.js';
import type {Target} from '../target/types.js';
import {RunError} from '../util/errors.js';
import {type Drift, driftScript, parseDrift} from './posture.js';

/**
 * What `check` finds on one server: each difference from the posture the last apply recorded, and each
 * step of the recipe that would still change or be refused. Read only. The posture is read beside the
 * plan's round trips (the facts, when they are still being read, and the steps' probe). Throws a RunError when the posture cannot be read or none was recorded.
 */
export async function checkHost(
  target: Target,
  factsIn: Facts | Promise<Facts>,
  steps: readonly Step<unknown>[],
  values: RunValues,
): Promise<Drift[]> {
  const reading = target.run(driftScript());
  reading.catch(() => undefined);
  const facts = await factsIn;
  const planned = await planRunbook(target, facts, steps, values);
  const driftOut = await reading;
  if (driftOut.code !== 0) throw new RunError(`could not read the posture on ${target.label}: exit ${driftOut.code}`);
  const posture = parseDrift(driftOut.stdout);
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
  for (const s of planned) {
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
  return findings;
}
