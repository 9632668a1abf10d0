import {isDeepStrictEqual} from 'node:util';
import type {Facts} from '../../src/core/facts.js';
import type {Action, ProbeData, Step, StepContext, StepPlan} from '../../src/core/types.js';
import {accessOf} from '../../src/engine/access.js';
import {touchedPaths} from '../../src/engine/changes.js';
import {compileAction, summarize} from '../../src/engine/compile.js';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {applyDerivations, pendingDerivations} from '../../src/engine/derive.js';
import {assumed} from '../../src/engine/plan.js';
import {probeScript} from '../../src/engine/protocol.js';
import {planRunbook, probeSteps} from '../../src/engine/runbook.js';
import {rollbackScript} from '../../src/engine/scripts.js';
import {quote} from '../../src/util/shell.js';
import {fakeTarget} from './fake-target.js';
import {runOf, runValues} from './run-values.js';

/**
 * The checklist every step passes (ARCHITECTURE.md, "How to add a step"), on fakes: the profile facts of
 * a platform and the offline answers of the steps (what a fresh host shows). Each check returns the
 * problems it found, one readable line each; none is a pass.
 */

/** One step as the runbook plans it: the context it was planned in, and its plan. */
export interface PlannedCase {
  step: Step<unknown>;
  ctx: StepContext<unknown>;
  plan: StepPlan;
}

/**
 * Plans every step of `steps` offline, in order, the way a dry run does: derived values resolved on a
 * fresh host, each step planned on the facts the steps before it leave (`assume`). A step whose values
 * do not plan (it needs a value the recipe does not give) is left out: it says why itself.
 */
export async function planOffline(
  steps: readonly Step<unknown>[],
  facts: Facts,
  values: Record<string, unknown>,
): Promise<PlannedCase[]> {
  const access = accessOf(undefined, facts);
  const given = runValues(values);
  const v = applyDerivations(pendingDerivations(steps, given), given, facts, {files: {}, queries: {}});
  const run = runOf(values);
  const out: PlannedCase[] = [];
  const done: string[] = [];
  let f = facts;
  let pr: ProbeData | undefined;
  for (const step of steps) {
    let params: unknown;
    try {
      params = step.params(v, f, run);
    } catch {
      continue;
    }
    const read = await probeSteps(undefined, f, [{step, params}]);
    // What the steps before it planned to write or change, over what this step's probe read.
    const probe = pr ? assumed(read, {facts: f, probe: pr}).probe : read;
    const ctx: StepContext<unknown> = {facts: f, params, probe, access, done: [...done], dryRun: true};
    const plan = step.plan(ctx);
    out.push({step, ctx, plan});
    if (plan.findings.some((x) => x.level === 'error')) continue;
    done.push(step.id);
    if (step.assume && plan.actions.length) {
      const a = step.assume(ctx, plan);
      f = a.facts;
      pr = a.probe ? assumed(pr ?? {files: {}, queries: {}}, {facts: f, probe: a.probe}).probe : pr;
    }
  }
  return out;
}

/** Planning is pure: the same context plans the same twice, and the context is left as it was. */
export function checkPure(c: PlannedCase): string[] {
  const before = structuredClone(c.ctx);
  const again = c.step.plan(c.ctx);
  const problems: string[] = [];
  if (!isDeepStrictEqual(again, c.plan)) problems.push(`${c.step.id}: planned twice on the same host, plans differ`);
  if (!isDeepStrictEqual(before, c.ctx)) problems.push(`${c.step.id}: planning changed its context (facts or probe)`);
  return problems;
}

/** Every action says what it does in one line and compiles to shell (execution and review) without failing. */
export function checkActionsCompile(c: PlannedCase): string[] {
  const problems: string[] = [];
  for (const a of c.plan.actions) {
    try {
      if (!summarize(a).trim()) problems.push(`${c.step.id}: a ${a.kind} action has no summary`);
      // Some compile to nothing on purpose (daemon-reload without systemd); none may throw.
      for (const style of ['exec', 'review'] as const) compileAction(a, {runId: 'R', stepId: c.step.id, style});
    } catch (e) {
      problems.push(`${c.step.id}: ${a.kind} does not compile: ${(e as Error).message}`);
    }
  }
  try {
    compileRollback(c.plan.onRollback);
  } catch (e) {
    problems.push(`${c.step.id}: its rollback does not compile: ${(e as Error).message}`);
  }
  return problems;
}

const fileActions = (actions: readonly Action[]) =>
  actions.flatMap((a) => (a.kind === 'file.write' || a.kind === 'file.remove' ? [a] : []));

/**
 * Undo restores files byte for byte: every file the plan writes or removes is an absolute path the step's
 * rollback script copies back from its before-image (or removes when it did not exist).
 */
export function checkUndoCoversFiles(c: PlannedCase): string[] {
  const script = rollbackScript('R', c.step.id, touchedPaths(c.plan.actions), c.plan.onRollback);
  return fileActions(c.plan.actions).flatMap((a) => [
    ...(a.path.startsWith('/') && !a.path.split('/').includes('..')
      ? []
      : [`${c.step.id}: ${a.path} is not a plain absolute path`]),
    ...(script.includes(quote(a.path)) ? [] : [`${c.step.id}: the rollback does not restore ${a.path}`]),
  ]);
}

/**
 * On a host where the step's files are already as it wants them, it writes none of them again: planned
 * once more on the probe with its own writes and removals in place, no action on a file it reads as a
 * file is left. Files it reads through a query (a user's file, read as that user) and the queries
 * themselves cannot be answered anew on fakes; `alsoQueried` names files whose write also waits on a
 * query (a timer enabled with the file). A step with operator-side preparation (peer keys made on this
 * machine) writes placeholders in a dry run. Those are left to the e2e re-runs (`changed: 0`).
 */
export function checkFilesConverge(c: PlannedCase, alsoQueried: readonly string[] = []): string[] {
  const files = fileActions(c.plan.actions);
  if (!files.length || c.step.prepare) return [];
  const probe: ProbeData = structuredClone(c.ctx.probe);
  for (const a of files)
    probe.files[a.path] = a.kind === 'file.write' ? {exists: true, mode: a.mode, content: a.content} : {exists: false};
  const facts = c.step.assume ? c.step.assume(c.ctx, c.plan).facts : c.ctx.facts;
  const again = c.step.plan({...c.ctx, facts, probe});
  return fileActions(again.actions)
    .filter((a) => a.path in c.ctx.probe.files && !alsoQueried.includes(a.path))
    .map((a) => `${c.step.id}: with its files in place it still plans ${summarize(a)}`);
}

/**
 * Planning changes nothing on the target: a dry run against a recording target sends it only the probe
 * script (files read, read-only queries), never a segment, a journal line or a lock.
 */
export async function checkPlanSendsOnlyReads(
  steps: readonly Step<unknown>[],
  facts: Facts,
  values: Record<string, unknown>,
) {
  const {target, scripts} = fakeTarget();
  await planRunbook(target, facts, steps, runValues(values));
  const header = probeScript({});
  return scripts.flatMap((s, i) =>
    s.startsWith(header) ? [] : [`script ${i} of the dry run is not a probe: ${s.slice(0, 80)}`],
  );
}
