import {timerUnit} from '../core/paths.js';
import type {PlannedStep} from '../core/types.js';
import {type GivenValues, withGiven} from '../core/values.js';
import {detectFacts} from '../platform/detect.js';
import {RunError} from '../util/errors.js';
import {accessOf} from './access.js';
import {afterStepScript, parseAfterStep} from './after-step.js';
import {AheadRun} from './ahead-run.js';
import {type ApplyOptions, type ApplyResult, type ConfirmAnswer, recorderFor} from './apply-options.js';
import {countChanges} from './changes.js';
import {summarize} from './compile.js';
import {escapedEvents} from './events.js';
import {executeStep} from './execute-step.js';
import type {JournalEntry} from './journal.js';
import {acquireLock} from './lock.js';
import {planStep} from './plan.js';
import {paramsOf, prepareSteps, type RunInput, resolveRun} from './prepare.js';
import {likelyReads, probeSteps, type ReadCache} from './read-cache.js';
import {RolledBackError} from './step-rollback.js';

/**
 * Applies the runbook step by step. For each step: probe, plan (pure), confirm, then execute the plan
 * in segments split at proofs. Before the first change the step's touched files are copied aside on the
 * target and a rollback script is written; any failure or failed proof runs it at once, and a lockout
 * step's dead-man timer runs it if the wizard disappears. After a step, facts are re-read and the step
 * must plan nothing (idempotence is checked, not assumed).
 */
export async function applyRunbook(o: ApplyOptions): Promise<ApplyResult> {
  const release = o.lock === false ? async () => {} : await acquireLock(o.target, o.runId, o.breakLock === true);
  try {
    return await applyUnlocked({...o, events: escapedEvents(o.events)});
  } finally {
    await release().catch(() => undefined);
  }
}

async function applyUnlocked(o: ApplyOptions): Promise<ApplyResult> {
  let facts = o.facts;
  const result: ApplyResult = {changed: 0, artifacts: [], steps: [], facts};
  // What the last read of the target brought back, until the target changes (a step runs, packages land).
  let cache: ReadCache | undefined;
  const keep = (c: ReadCache) => {
    cache = c;
  };
  // Every value resolved before the first step (engine/prepare.ts): the derived ones from one read, shared
  // with the first step's probe; then the prepare phase. A refusal here changed nothing.
  const resolved = await resolveRun({...o, count: 1, create: false});
  cache = resolved.cache;
  let {values, run} = resolved.input;
  const input = (): RunInput => ({values, run});
  /**
   * Edited or provided values (each already checked by the schema, the frontend's side of the contract):
   * resolved again, and the prepare phase read again.
   */
  const edit = (given: Record<string, unknown>) => {
    values = withGiven(values, given as GivenValues, facts.operator.loginUser);
    run = {...run, prepared: prepareSteps(o.steps, values, facts, run, false)};
  };
  const record = recorderFor(o.journal);
  const begin: JournalEntry = {
    run: o.runId,
    kind: 'run.begin',
    target: o.target.label,
    recipe: values.recipe,
    tool: 'portcullis',
  };
  record([begin]);
  // The target's journal learns how the run came in with its first change (a run that changes nothing
  // leaves no trace there): a later rollback through the tunnel finds the public way in by it.
  let beginOnTarget: JournalEntry | undefined = begin;
  const stopIfAborted = (title: string) => {
    if (!o.signal?.aborted) return;
    record([{run: o.runId, kind: 'run.end', status: 'failed'}]);
    throw new RunError(`stopped by the operator before ${title}; nothing of it was changed`);
  };
  const ahead = new AheadRun(o, facts, values);
  try {
    return await runSteps();
  } catch (e) {
    await ahead.stop();
    throw e;
  }

  async function runSteps(): Promise<ApplyResult> {
    // Steps that succeeded in this run, in order: a later step may require one (close-ports needs verify-tunnel).
    const done: string[] = [];
    for (const [index, step] of o.steps.entries()) {
      stopIfAborted(step.title);
      const started = Date.now();
      const wait = ahead.waitLine(step.id);
      if (wait) {
        facts = await detectFacts(o.target, wait);
        cache = undefined;
      }
      // Operator-side state this step needs (its peer keys) is made now, just before it is planned.
      if (step.prepare) run = {...run, prepared: prepareSteps([step], values, facts, run, true)};
      let skipped = false;
      // Again from its plan when the operator retries a step that was rolled back.
      for (;;) {
        // Planned again, and asked again, each time the operator edits the step's values in the review.
        let planned: PlannedStep;
        let answer: ConfirmAnswer = false;
        do {
          const params = paramsOf(step, input(), facts);
          o.events({type: 'values', id: step.id, params, values, facts});
          const probe = await probeSteps(o.target, facts, [{step, params}], cache, keep);
          const access = accessOf(o.target, facts);
          planned = planStep(step, {facts, params, probe, access, done: [...done]});
          o.events({type: 'step.planned', step: planned});
          const blocking = planned.plan.findings.filter((f) => f.level === 'error');
          // Values the operator can give now (the admin's name): asked for, then the step is planned again.
          const needs =
            o.provide && blocking.every((f) => f.needs?.length) ? blocking.flatMap((f) => f.needs ?? []) : [];
          for (const f of planned.plan.findings)
            if (!(needs.length && f.level === 'error')) o.events({type: 'finding', id: step.id, finding: f});
          if (needs.length && o.provide) {
            stopIfAborted(step.title);
            const given = await o.provide(planned, [...new Set(needs)]);
            if (given) {
              edit(given);
              answer = {values: given};
              continue;
            }
            for (const f of blocking) o.events({type: 'finding', id: step.id, finding: f});
          }
          if (blocking.length) {
            const reason = blocking.map((f) => f.message).join('; ');
            o.events({type: 'step.failed', id: step.id, reason});
            record([{run: o.runId, kind: 'run.end', status: 'failed'}]);
            throw new RunError(`${step.title}: refused, nothing was changed: ${reason}`);
          }
          if (planned.plan.actions.length === 0) break;
          stopIfAborted(step.title);
          answer = await o.confirm(planned);
          if (typeof answer === 'object') edit(answer.values);
        } while (typeof answer === 'object');
        if (planned.plan.actions.length === 0) {
          o.events({type: 'step.compliant', id: step.id});
          result.steps.push({id: step.id, status: 'compliant', ms: Date.now() - started, changed: 0});
        } else {
          if (answer === 'skip') {
            o.events({type: 'step.skipped', id: step.id});
            result.steps.push({id: step.id, status: 'skipped', ms: Date.now() - started, changed: 0});
            skipped = true;
            break;
          }
          if (!answer) {
            result.steps.push({id: step.id, status: 'skipped', ms: Date.now() - started, changed: 0});
            record([{run: o.runId, kind: 'run.end', status: 'failed'}]);
            throw new RunError(`stopped before ${step.title}: not confirmed; nothing of this step was changed`);
          }
          o.events({type: 'step.start', id: step.id});
          // The step's time is its own: from the operator's yes, not from when it was first shown.
          const applying = Date.now();
          cache = undefined;
          // Once committed, in the same round trip: wait for the next step's packages if they are being
          // installed ahead, read the facts again, and what this step's convergence check and the next step's
          // plan will likely ask for.
          const next = o.until === step.id ? undefined : o.steps[index + 1];
          await ahead.start();
          const reads = likelyReads(step, next, input(), facts);
          const changed = countChanges(planned.plan.actions);
          const wait = ahead.waitLine(next?.id);
          // A step that changes nothing (it only proves) leaves the facts as they were, unless packages landed.
          const unchanged = changed === 0 && !wait ? facts : undefined;
          const tail = afterStepScript(wait, reads, !unchanged);
          let tailOut: string | undefined;
          try {
            tailOut = await executeStep(o, planned, record, tail, beginOnTarget);
          } catch (e) {
            // Restored for sure: the operator may retry it (with other values) or go on without it.
            const next =
              e instanceof RolledBackError && e.restored && o.recover ? await o.recover(planned, e.message) : false;
            if (next === false) throw e;
            beginOnTarget = undefined;
            cache = undefined;
            if (next === 'skip') {
              o.events({type: 'step.skipped', id: step.id});
              result.steps.push({id: step.id, status: 'rolled-back', ms: Date.now() - started, changed: 0});
              skipped = true;
              break;
            }
            if (typeof next === 'object') edit(next.values);
            continue;
          }
          beginOnTarget = undefined;
          result.changed += changed;
          // The ways in this step proved stay open: if the run's connection drops, commands go that way.
          for (const a of planned.plan.actions) if (a.kind === 'proof' && !a.service) o.target.follow?.(a.route);
          const after = parseAfterStep(o.target, tailOut, reads, unchanged) ?? {
            facts: await detectFacts(o.target),
            cache: undefined,
          };
          // Read beside the last proof, the step's own timer was still armed; it is disarmed now.
          const own = timerUnit(o.runId, step.id);
          const armed = after.facts.portcullis.armedTimers;
          if (armed.some((t) => t.startsWith(own)))
            after.facts = {
              ...after.facts,
              portcullis: {...after.facts.portcullis, armedTimers: armed.filter((t) => !t.startsWith(own))},
            };
          facts = after.facts;
          cache = after.cache;
          const p2 = paramsOf(step, input(), facts);
          const again = planStep(step, {
            facts,
            params: p2,
            probe: await probeSteps(o.target, facts, [{step, params: p2}], cache, keep),
            access: accessOf(o.target, facts),
            done: [...done],
          });
          // Proofs are re-planned every time (they check, they change nothing): only changes count here.
          if (countChanges(again.plan.actions)) {
            o.events({
              type: 'finding',
              id: step.id,
              finding: {
                level: 'warn',
                message: `after applying, ${step.title} still plans ${again.plan.actions.length} change(s): ${again.plan.actions.map(summarize).join('; ')}`,
              },
            });
          }
          o.events({type: 'step.done', id: step.id, changed, ms: Date.now() - applying});
          result.steps.push({id: step.id, status: 'applied', ms: Date.now() - applying, changed});
        }
        break;
      }
      if (skipped) {
        if (o.until && step.id === o.until) break;
        continue;
      }
      done.push(step.id);
      if (step.afterApply) {
        const files = await step.afterApply({
          run: (script) => o.target.run(script),
          facts,
          params: paramsOf(step, input(), facts),
          access: accessOf(o.target, facts),
        });
        result.artifacts.push(...files);
        for (const path of files)
          await o.events({type: 'artifact', id: step.id, path, kind: step.artifactKind ?? 'file'});
      }
      if (o.until && step.id === o.until) break;
    }
    record([{run: o.runId, kind: 'run.end', status: 'applied'}]);
    result.facts = facts;
    return result;
  }
}
