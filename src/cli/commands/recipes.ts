import {stringify} from 'yaml';
import type {z} from 'zod';
import {stepsFor} from '../../../steps/index.js';
import type {Step} from '../../core/types.js';
import {listRecipes, loadRecipe} from '../../recipes/load.js';
import {valuesSchema} from '../../recipes/schema.js';
import {keysReadBy} from '../completion/recipe-keys.js';

export function listRecipesCommand(): void {
  for (const r of listRecipes()) process.stdout.write(`${r.name.padEnd(20)} ${r.description}\n`);
}

/** The values the steps read on a fresh Debian 12 profile, from the code itself instead of a hand-kept table. */
export function keysRead(steps: readonly Step<unknown>[]): Set<string> {
  return keysReadBy(steps, ['debian-12'], [{}]);
}

/** The recipe as written, then every parameter its steps read, with its default and meaning. */
export function showRecipeCommand(name: string): void {
  const r = loadRecipe(name);
  process.stdout.write(stringify({name: r.name, description: r.description, steps: r.steps, values: r.values}));
  process.stdout.write('\nparameters (--set key=value, or values: in a recipe or answers file):\n');
  const read = keysRead(stepsFor(r.steps));
  for (const [key, field] of Object.entries(valuesSchema.shape as Record<string, z.ZodType>)) {
    const set = r.values[key as keyof typeof r.values];
    if (!read.has(key) && set === undefined) continue;
    const mark = set === undefined ? '' : ` [recipe: ${JSON.stringify(set)}]`;
    process.stdout.write(`  ${key.padEnd(26)} ${field.description ?? ''}${mark}\n`);
  }
}
