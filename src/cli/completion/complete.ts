import type {Command, Option} from 'commander';
import {z} from 'zod';

/** Printed alone: the shell completes file names instead. */
export const FILES = ':files';

const FILE_OPTIONS = new Set(['answers', 'saveAnswers', 'sshConfig', 'identity']);

interface Line {
  command: Command;
  /** Operands given to `command` so far. */
  operands: number;
  /** Options given so far, by attribute name, with their last value. */
  given: Map<string, string | undefined>;
}

/**
 * Candidates for the last word of a command line (`words` come after the program name; the last one is
 * the word being completed, '' for a new one). Commands, options, recipe names, step names, platforms,
 * and `--set` keys of the recipe on the line, each matching what was typed so far.
 */
export async function complete(program: Command, words: readonly string[]): Promise<string[]> {
  const cur = words.at(-1) ?? '';
  const line: Line = {command: program, operands: 0, given: new Map()};
  let pending: Option | undefined;
  let operandsOnly = false;
  for (const w of words.slice(0, -1)) {
    if (pending) {
      line.given.set(pending.attributeName(), w);
      pending = undefined;
    } else if (w === '--') operandsOnly = true;
    else if (!operandsOnly && w.startsWith('-') && w.length > 1) {
      const eq = w.startsWith('--') ? w.indexOf('=') : -1;
      const opt = findOption(line.command, eq > 0 ? w.slice(0, eq) : w);
      if (!opt) continue;
      if (takesValue(opt) && eq < 0) pending = opt;
      else line.given.set(opt.attributeName(), eq > 0 ? w.slice(eq + 1) : undefined);
    } else {
      const sub = line.operands === 0 ? line.command.commands.find((c) => c.name() === w) : undefined;
      if (sub) {
        line.command = sub;
        line.given = new Map();
      } else line.operands++;
    }
  }
  const matching = (list: readonly string[]) => list.filter((c) => c.startsWith(cur));
  if (pending) return valuesOf(pending, cur, line);
  if (!operandsOnly && cur.startsWith('--') && cur.includes('=')) {
    const flag = cur.slice(0, cur.indexOf('='));
    const opt = findOption(line.command, flag);
    if (!opt || !takesValue(opt)) return [];
    const values = await valuesOf(opt, cur.slice(flag.length + 1), line);
    return values[0] === FILES ? values : values.map((v) => `${flag}=${v}`);
  }
  if (!operandsOnly && cur.startsWith('-')) return matching(optionsOf(line));
  const next = line.command.registeredArguments[line.operands];
  const names = line.operands === 0 ? line.command.commands.map((c) => c.name()) : [];
  if (next?.argChoices) return matching([...names, ...next.argChoices]);
  if (line.command.name() === 'show' && line.command.parent?.name() === 'recipes' && line.operands === 0)
    return matching(await recipeNames());
  return matching(names);
}

function findOption(c: Command, flag: string): Option | undefined {
  return c.options.find((o) => o.long === flag || o.short === flag);
}

function takesValue(o: Option): boolean {
  return o.required || o.optional;
}

/** Long options of the command (short ones are for typing, not for lists), less those given already. */
function optionsOf(line: Line): string[] {
  const c = line.command;
  const out: string[] = [];
  for (const o of c.options) {
    if (o.hidden || !o.long) continue;
    const repeatable = o.attributeName() === 'set';
    if (line.given.has(o.attributeName()) && !repeatable) continue;
    out.push(o.long);
  }
  out.push('--help');
  if (!c.parent) out.push('--version');
  return out;
}

async function valuesOf(opt: Option, cur: string, line: Line): Promise<string[]> {
  const name = opt.attributeName();
  const matching = (list: readonly string[]) => list.filter((c) => c.startsWith(cur));
  if (opt.argChoices) return matching(opt.argChoices);
  if (FILE_OPTIONS.has(name)) return [FILES];
  if (name === 'recipe') {
    if (cur.includes('/') || cur.startsWith('.') || cur.startsWith('~')) return [FILES];
    const names = matching(await recipeNames());
    return names.length ? names : [FILES];
  }
  if (name === 'until') return matching((await recipeOnLine(line))?.steps ?? (await allSteps()));
  if (name === 'to') return matching(await allSteps());
  if (name === 'set') return matching(await setCandidates(cur, line));
  return [];
}

async function recipeNames(): Promise<string[]> {
  const {listRecipes} = await import('../../recipes/load.js');
  return listRecipes().map((r) => r.name);
}

async function allSteps(): Promise<string[]> {
  const {STEPS} = await import('../../../steps/index.js');
  return STEPS.map((s) => s.id);
}

/** The recipe named by --recipe on the line, else the option's default (fresh-vps); undefined if it does not load. */
async function recipeOnLine(line: Line): Promise<{steps: string[]} | undefined> {
  const opt = findOption(line.command, '--recipe');
  const name = line.given.get('recipe') ?? (opt?.defaultValue as string | undefined);
  if (!name) return undefined;
  try {
    const {loadRecipe} = await import('../../recipes/load.js');
    return loadRecipe(name);
  } catch {
    return undefined;
  }
}

/** `key=` for each key the recipe reads; after `key=`, the values a boolean or a choice can take. */
async function setCandidates(cur: string, line: Line): Promise<string[]> {
  const {valuesSchema} = await import('../../recipes/schema.js');
  const shape = valuesSchema.shape as Record<string, z.ZodType>;
  const eq = cur.indexOf('=');
  if (eq >= 0) {
    const key = cur.slice(0, eq);
    const field = shape[key];
    return field ? valueChoices(field).map((v) => `${key}=${v}`) : [];
  }
  const recipe = await recipeOnLine(line);
  const [{stepsFor}, {recipeKeys}] = await Promise.all([import('../../../steps/index.js'), import('./recipe-keys.js')]);
  const keys = recipe ? recipeKeys(stepsFor(recipe.steps)) : Object.keys(shape);
  return keys.map((k) => `${k}=`);
}

function valueChoices(field: z.ZodType): string[] {
  const inner = field instanceof z.ZodOptional ? (field.unwrap() as z.ZodType) : field;
  if (inner instanceof z.ZodBoolean) return ['true', 'false'];
  if (inner instanceof z.ZodEnum) return inner.options.map(String);
  return [];
}
