import {stringify} from 'yaml';
import {listRecipes, loadRecipe} from '../../recipes/load.js';

export function listRecipesCommand(): void {
  for (const r of listRecipes()) process.stdout.write(`${r.name.padEnd(20)} ${r.description}\n`);
}

export function showRecipeCommand(name: string): void {
  process.stdout.write(stringify(loadRecipe(name)));
}
