import {stringify} from 'yaml';
import type {z} from 'zod';
import {listRecipes, loadRecipe} from '../../recipes/load.js';
import {valuesSchema} from '../../recipes/schema.js';

export function listRecipesCommand(): void {
  for (const r of listRecipes()) process.stdout.write(`${r.name.padEnd(20)} ${r.description}\n`);
}

/** The recipe as written, then every parameter a run can set, with its default and meaning. */
export function showRecipeCommand(name: string): void {
  const r = loadRecipe(name);
  process.stdout.write(stringify({name: r.name, description: r.description, steps: r.steps, values: r.values}));
  process.stdout.write('\nparameters (--set key=value, or values: in a recipe or answers file):\n');
  for (const [key, field] of Object.entries(valuesSchema.shape as Record<string, z.ZodType>)) {
    const set = r.values[key as keyof typeof r.values];
    const mark = set === undefined ? '' : ` [recipe: ${JSON.stringify(set)}]`;
    process.stdout.write(`  ${key.padEnd(26)} ${field.description ?? ''}${mark}\n`);
  }
}
