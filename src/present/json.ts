import type {Facts} from '../core/facts.js';
import {type Finding, isRefused, type PlannedStep} from '../core/types.js';
import type {StepState} from '../engine/journal.js';
import type {ApplyResult} from '../engine/runbook.js';
import type {Exposure} from '../platform/exposure.js';
import type {Target} from '../target/types.js';
import {actionTexts} from './action-text.js';
import {RESULT_VERSION, type Result, type ResultCommand} from './result-schema.js';

type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A --json document of one command, before printJson adds `version` and `command`. */
export type ResultBody<C extends ResultCommand> = Without<Extract<Result, {command: C}>, 'version' | 'command'>;

/**
 * Prints the one --json document of a run on stdout. Every document goes through here, so each carries
 * `version` (the shape in schema/result.schema.json) and `command` (which document it is).
 */
export function printJson<C extends ResultCommand>(command: C, body: ResultBody<C>): void {
  process.stdout.write(`${JSON.stringify({version: RESULT_VERSION, command, ...body}, null, 2)}\n`);
}

/** The same fields everywhere an exposure is printed (plan, apply before/after, status). */
export function exposuresJson(exp: readonly Exposure[]): Extract<Result, {command: 'status'}>['exposures'] {
  return exp.map((e) => ({
    proto: e.proto,
    address: e.address,
    port: e.port,
    process: e.process,
    public: e.public,
    blocked: e.blocked,
    exposed: e.exposed,
    flag: e.flag,
    ...(e.fix === undefined ? {} : {fix: e.fix}),
  }));
}

export function planJson(
  recipe: string,
  target: string,
  facts: Facts,
  steps: readonly PlannedStep[],
  exp: readonly Exposure[],
): ResultBody<'plan'> {
  return {
    recipe,
    target,
    platform: facts.platform,
    mode: 'plan',
    changed: 0,
    steps: steps.map((s) => ({
      id: s.id,
      title: s.title,
      risk: s.risk,
      status: isRefused(s.plan) ? 'refused' : s.plan.actions.length ? 'changes' : 'compliant',
      actions: actionTexts(s),
      findings: s.plan.findings.map(findingJson),
    })),
    refused: steps.filter((s) => isRefused(s.plan)).map((s) => s.id),
    findings: steps.flatMap((s) => s.plan.findings.map((f) => ({step: s.id, ...findingJson(f)}))),
    exposures: exposuresJson(exp),
  };
}

function findingJson(f: Finding): Finding {
  return {level: f.level, message: f.message, ...(f.fix === undefined ? {} : {fix: f.fix})};
}

export function appliedJson(
  run: string,
  target: Target,
  recipe: string,
  result: ApplyResult,
  journal: string,
  exp: {before: readonly Exposure[]; after: readonly Exposure[]},
): ResultBody<'apply'> {
  return {
    run,
    target: target.label,
    recipe,
    status: 'applied',
    changed: result.changed,
    steps: result.steps.map(({id, status, ms, changed}) => ({id, status, ms, changed})),
    journal,
    clientConfigs: result.artifacts,
    exposures: {before: exposuresJson(exp.before), after: exposuresJson(exp.after)},
    roundTrips: target.stats.roundTrips,
    waitMs: target.stats.waitMs,
  };
}

/** Printed when an apply stopped before it finished; `journal` once the run had one. */
export function failedJson(
  run: string,
  target: string,
  recipe: string,
  err: unknown,
  journal: string | undefined,
): ResultBody<'apply'> {
  const error = err instanceof Error ? err.message : String(err);
  return {run, target, recipe, status: 'failed', error, ...(journal === undefined ? {} : {journal})};
}

export function statusJson(
  target: string,
  facts: Facts,
  checkpoints: readonly {run: string; step: string; state: StepState}[],
  exp: readonly Exposure[],
): ResultBody<'status'> {
  return {
    target,
    platform: facts.platform,
    checkpoints: checkpoints.map(({run, step, state}) => ({run, step, state})),
    armedTimers: [...facts.portcullis.armedTimers],
    exposures: exposuresJson(exp),
  };
}

/** The steps undone, newest first; each was one step of one run. `via`: the target it finished over. */
export function rollbackJson(
  target: string,
  undone: readonly {run: string; step: string}[],
  via: string,
): ResultBody<'rollback'> {
  return {target, rolledBack: undone.map(({run, step}) => ({run, step})), changed: undone.length, via};
}
