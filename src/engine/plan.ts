import type {Facts} from '../core/facts.js';
import {type Assumed, isRefused, type PlannedStep, type ProbeData, type Step, type StepContext} from '../core/types.js';
import type {RunSettings, RunValues} from '../core/values.js';
import type {Target} from '../target/types.js';
import {printable} from '../util/terminal.js';
import {accessOf} from './access.js';
import {diffsFor} from './diffs.js';
import {paramsOf, resolveRun} from './prepare.js';
import {probeSteps} from './read-cache.js';

export function planStep(s: Step<unknown>, ctx: StepContext<unknown>): PlannedStep {
  const plan = s.plan(ctx);
  // Findings quote what the target said (names, paths, settings): shown with control characters escaped.
  const findings = plan.findings.map((f) => ({
    ...f,
    message: printable(f.message),
    ...(f.fix ? {fix: printable(f.fix)} : {}),
  }));
  return {
    id: s.id,
    title: s.title,
    why: s.why,
    risk: s.risk,
    undo: s.undo,
    plan: {...plan, findings},
    diffs: diffsFor(plan.actions, ctx.probe),
  };
}

/** The dry-run: facts, one probe round trip, pure plans. Cannot change the target: it only runs read-only scripts. */
export async function planRunbook(
  target: Target | undefined,
  facts: Facts,
  steps: readonly Step<unknown>[],
  values: RunValues,
  o: {
    /** Let the prepare phase create what is missing (peer keys) so the plan holds real values: for `--format sh`. */
    create?: boolean;
    settings?: Partial<Omit<RunSettings, 'targetHost'>>;
  } = {},
): Promise<PlannedStep[]> {
  const access = accessOf(target, facts);
  // Derived values first (engine/derive.ts), read together with what the steps will likely ask for.
  const {input, cache} = await resolveRun({
    target,
    facts,
    steps,
    values,
    settings: o.settings,
    count: steps.length,
    create: o.create === true,
  });
  const withParams = steps.map((step) => ({step, params: paramsOf(step, input, facts)}));
  const probe = await probeSteps(target, facts, withParams, cache);
  // Each step is planned on the facts as the steps before it leave them (a moved SSH port, say), and a
  // refused step is not counted as done: apply would stop there.
  const out: PlannedStep[] = [];
  const done: string[] = [];
  let f = facts;
  let pr = probe;
  for (const {step} of withParams) {
    const params = f === facts ? withParams[out.length]?.params : paramsOf(step, input, f);
    const ctx = {facts: f, params, probe: pr, access, done: [...done], dryRun: true};
    const planned = planStep(step, ctx);
    out.push(planned);
    if (isRefused(planned.plan)) continue;
    done.push(step.id);
    if (step.assume && planned.plan.actions.length)
      ({facts: f, probe: pr} = assumed(pr, step.assume(ctx, planned.plan)));
  }
  return out;
}

/** The host as a step's plan leaves it: its facts, and the probe with the answers it changes laid over what was read. */
export function assumed(probe: ProbeData, a: Assumed): {facts: Facts; probe: ProbeData} {
  return {
    facts: a.facts,
    probe: {files: {...probe.files, ...a.probe?.files}, queries: {...probe.queries, ...a.probe?.queries}},
  };
}
