import {writeFileSync} from 'node:fs';
import {stringify} from 'yaml';
import {stepsFor} from '../../steps/index.js';
import type {Step} from '../engine/types.js';
import {loadAnswers, loadRecipe, parseSets} from '../recipes/load.js';
import {valuesSchema} from '../recipes/schema.js';
import {InputError} from '../util/errors.js';

export interface RunSetup {
  recipeName: string;
  steps: Step<unknown>[];
  values: Record<string, unknown>;
}

/** Recipe + `--set` values + the step list, all validated before anything connects to a target. */
export function setupRun(o: {
  recipe?: string;
  set?: string[];
  answers?: string;
  confirmTimeout?: string;
  until?: string;
}): RunSetup {
  const recipe = loadRecipe(o.recipe ?? 'fresh-vps');
  // Precedence: the recipe's values, then an answers file, then --set.
  const answers = o.answers ? loadAnswers(o.answers) : {};
  const values: Record<string, unknown> = {
    ...recipe.values,
    ...answers,
    ...parseSets(o.set ?? []),
    recipe: recipe.name,
  };
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

/** Values never written to an answers file: secrets, and what the run itself adds. */
const NOT_SAVED = new Set(['admin_password']);

/**
 * Saves the values of this run so the same run can be replayed headless elsewhere (`--answers FILE`).
 * Secrets are left out (pass them with --set or the environment when replaying). Written 0600.
 */
export function saveAnswers(file: string, values: Record<string, unknown>): string[] {
  const keys = Object.keys(valuesSchema.shape).filter((k) => values[k] !== undefined && !NOT_SAVED.has(k));
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = values[k];
  const skipped = Object.keys(values).filter((k) => NOT_SAVED.has(k) && values[k] !== undefined);
  const header = '# portcullis answers: replay with `portcullis apply TARGET --answers THIS_FILE --yes`\n';
  const note = skipped.length ? `# not saved (secrets): ${skipped.join(', ')}\n` : '';
  writeFileSync(file, `${header}${note}${stringify(valuesSchema.parse(out))}`, {mode: 0o600});
  return skipped;
}
