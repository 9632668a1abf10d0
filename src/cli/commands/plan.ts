import type {PlatformId} from '../../core/facts.js';
import {isRefused} from '../../core/types.js';
import {planRunbook} from '../../engine/runbook.js';
import {describeFacts, detectFacts} from '../../platform/detect.js';
import {exposures} from '../../platform/exposure.js';
import {profileFacts} from '../../platform/profiles.js';
import {planJson, printJson} from '../../present/json.js';
import {renderPlanSh} from '../../present/plan-sh.js';
import {makeStyle, renderPlan} from '../../present/plan-text.js';
import {loginOf} from '../../target/endpoint.js';
import {InputError, RunError} from '../../util/errors.js';
import type {ConnectOptions} from '../connect.js';
import {saveAnswers, setupRun} from '../run-setup.js';

interface PlanOptions extends ConnectOptions {
  recipe?: string;
  saveAnswers?: string;
  set?: string[];
  platform?: PlatformId;
  format?: 'text' | 'sh';
  json?: boolean;
}

export async function runPlan(spec: string | undefined, o: PlanOptions): Promise<void> {
  const fleet = o as PlanOptions & import('./fleet-apply.js').FleetCliOptions;
  if (fleet.inventory !== undefined) return (await import('./fleet-plan.js')).runFleetPlan(spec, fleet);
  if (o.platform && (spec !== undefined || o.local))
    throw new InputError('--platform plans offline: give it without a TARGET or --local');
  if (!o.platform) (await import('../connect.js')).checkTarget(spec, o);
  const setup = setupRun({...o, login: loginOf(spec, o)});
  if (o.saveAnswers) {
    const skipped = saveAnswers(o.saveAnswers, setup.values);
    process.stderr.write(
      `answers saved to ${o.saveAnswers}${skipped.length ? ` (without ${skipped.join(', ')}: secrets are not saved)` : ''}\n`,
    );
  }
  // Offline plans never load the ssh machinery: startup time is measured (bench/startup).
  const target = o.platform ? undefined : await (await import('../connect.js')).openTarget(spec, o);
  try {
    const facts = target ? await detectFacts(target) : profileFacts(o.platform as PlatformId);
    // An exported script runs without the wizard, so it gets real peer keys (created here, reused by apply).
    const steps = await planRunbook(target, facts, setup.steps, setup.values, {
      create: o.format === 'sh' && target !== undefined,
    });
    const header = `portcullis plan: recipe ${setup.recipeName} for ${target ? target.label : `a fresh ${facts.os.pretty} (offline profile)`}: ${describeFacts(facts)}`;
    if (o.json) {
      printJson(
        'plan',
        planJson(setup.recipeName, target?.label ?? `profile:${o.platform}`, facts, steps, exposures(facts)),
      );
    } else if (o.format === 'sh') {
      process.stdout.write(renderPlanSh(steps, header));
    } else {
      const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
      process.stdout.write(`${renderPlan(steps, makeStyle(color), header)}\n`);
    }
    // The plan is printed whole; the exit code says apply would be refused (nothing would change of those steps).
    const refused = steps.filter((s) => isRefused(s.plan));
    if (refused.length)
      throw new RunError(
        `plan: refused: ${refused.map((s) => `${s.title} (${s.plan.findings.find((f) => f.level === 'error')?.message})`).join('; ')}`,
      );
  } finally {
    await target?.close();
  }
}
