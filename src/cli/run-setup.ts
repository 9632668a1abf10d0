import {stepsFor} from '../../steps/index.js';
import type {Step} from '../engine/types.js';
import {loadRecipe, parseSets} from '../recipes/load.js';
import {InputError} from '../util/errors.js';

export interface RunSetup {
  recipeName: string;
  steps: Step<unknown>[];
  values: Record<string, unknown>;
}

/** Recipe + `--set` values + the step list, all validated before anything connects to a target. */
export function setupRun(o: {recipe?: string; set?: string[]; confirmTimeout?: string; until?: string}): RunSetup {
  const recipe = loadRecipe(o.recipe ?? 'fresh-vps');
  const values: Record<string, unknown> = {...recipe.values, ...parseSets(o.set ?? []), recipe: recipe.name};
  if (o.confirmTimeout !== undefined) {
    if (!/^[0-9]{1,4}$/.test(o.confirmTimeout) || Number(o.confirmTimeout) < 15) {
      throw new InputError(`--confirm-timeout ${JSON.stringify(o.confirmTimeout)}: give whole seconds, at least 15`);
    }
    values.confirm_timeout = Number(o.confirmTimeout);
  }
  const steps = stepsFor(recipe.steps);
  if (o.until && !steps.some((s) => s.id === o.until)) {
    throw new InputError(
      `--until ${o.until}: the recipe has no such step (steps: ${steps.map((s) => s.id).join(', ')})`,
    );
  }
  return {recipeName: recipe.name, steps, values};
}

export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${Math.random().toString(16).slice(2, 6)}`;
}
