import type {Facts} from '../core/facts.js';
import type {Step} from '../core/types.js';
import type {Prepared, RunContext, RunSettings, RunValues, Team} from '../core/values.js';
import {runContext} from '../core/values.js';
import type {Target} from '../target/types.js';
import {accessOf} from './access.js';
import {applyDerivations, derivationReads, pendingDerivations} from './derive.js';
import {type ReadCache, readFirst} from './read-cache.js';

/** What a step's params select from: the run's typed values and its context (settings, prepared). */
export interface RunInput {
  values: RunValues;
  run: RunContext;
}

/** The parameters of a step for this run and these facts. */
export function paramsOf<P>(step: Step<P>, input: RunInput, facts: Facts): P {
  return step.params(input.values, facts, input.run);
}

/**
 * The steps' operator-side preparation (Step.prepare), in step order, each seeing what the ones before it
 * prepared (the team file, read once). `create`: an apply may create what is missing (peer keys); a plan
 * only reads what this machine holds.
 */
export function prepareSteps(
  steps: readonly Step<unknown>[],
  values: RunValues,
  facts: Facts,
  run: RunContext,
  create: boolean,
): Prepared {
  let prepared = run.prepared;
  for (const s of steps)
    if (s.prepare) prepared = {...prepared, ...s.prepare({values, facts, settings: run.settings, prepared, create})};
  return prepared;
}

/**
 * Everything a run resolves once it has the facts and before its first plan: the values only the target
 * can tell (engine/derive.ts, from the run's first read, shared with the first steps' probes), the run's
 * settings with the host it reached, then the prepare phase (team file, known peer keys), then every
 * step's parameters once. A refusal here changed nothing (exit 2).
 */
export async function resolveRun(o: {
  target: Target | undefined;
  facts: Facts;
  steps: readonly Step<unknown>[];
  values: RunValues;
  settings?: Partial<Omit<RunSettings, 'targetHost'>>;
  team?: Team;
  /** How many steps' likely reads join the first read. */
  count: number;
  create: boolean;
}): Promise<{input: RunInput; cache?: ReadCache}> {
  const ctx = runContext({...o.settings, targetHost: accessOf(o.target, o.facts).host}, o.team);
  let cache: ReadCache | undefined;
  const derivations = pendingDerivations(o.steps, o.values);
  let probe = {files: {}, queries: {}};
  if (derivations.length) {
    cache = await readFirst(
      o.target,
      o.facts,
      o.steps,
      {values: o.values, run: ctx},
      derivationReads(derivations),
      o.count,
    );
    probe = cache.data;
  }
  const values = applyDerivations(derivations, o.values, o.facts, probe);
  const input = {values, run: {...ctx, prepared: prepareSteps(o.steps, values, o.facts, ctx, o.create)}};
  // Every step's parameters once, before the first step changes anything: params only select, so this
  // costs nothing, and a step that cannot select from these values stops the run here (exit 2).
  for (const s of o.steps) paramsOf(s, input, o.facts);
  return {input, cache};
}
