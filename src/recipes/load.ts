import {readdirSync, readFileSync, statSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {z} from 'zod';
import {positionOf, readYaml} from '../core/yaml.js';
import {InputError} from '../util/errors.js';
import {CONTROL} from '../util/validate.js';
import {type Recipe, type RecipeValues, recipeSchema, valuesSchema} from './schema.js';

const MAX_BYTES = 1024 * 1024;

/** The shipped recipes live in <package>/recipes, next to dist/. */
export function recipesDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      if (statSync(join(d, 'recipes', 'fresh-vps.yaml')).isFile()) return join(d, 'recipes');
    } catch {}
    d = dirname(d);
  }
  throw new Error('shipped recipes not found');
}

export function listRecipes(): {name: string; description: string}[] {
  const dir = recipesDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const r = loadRecipe(join(dir, f));
      return {name: r.name, description: r.description};
    });
}

export function resolveRecipe(nameOrPath: string): string {
  if (nameOrPath.includes('/') || nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml'))
    return resolve(nameOrPath);
  if (!/^[a-z0-9-]{1,40}$/.test(nameOrPath))
    throw new InputError(`recipe name ${JSON.stringify(nameOrPath)} is not a shipped recipe name`);
  const p = join(recipesDir(), `${nameOrPath}.yaml`);
  try {
    statSync(p);
  } catch {
    const known = listRecipes()
      .map((r) => r.name)
      .join(', ');
    throw new InputError(`no recipe named ${nameOrPath}; shipped recipes: ${known}`);
  }
  return p;
}

export function loadRecipe(nameOrPath: string): Recipe {
  const file = resolveRecipe(nameOrPath);
  let text: string;
  try {
    if (statSync(file).size > MAX_BYTES) throw new InputError(`${file}: a recipe larger than 1 MiB is refused`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read recipe ${file}: ${(e as Error).message}`);
  }
  return parseRecipe(text, file);
}

export function parseRecipe(text: string, file: string): Recipe {
  return parseYaml(text, file, recipeSchema);
}

/**
 * An answers file: the values of one run (`--save-answers`), replayed headless on another server
 * (`--answers`). Either the values map itself or a recipe-like document with `values:`.
 */
export function loadAnswers(file: string): RecipeValues {
  let text: string;
  try {
    if (statSync(file).size > MAX_BYTES) throw new InputError(`${file}: an answers file larger than 1 MiB is refused`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read answers file ${file}: ${(e as Error).message}`);
  }
  const wrapped = /^values\s*:/m.test(text) ? text : '';
  return wrapped ? parseYaml(text, file, answersDocSchema).values : parseYaml(text, file, valuesSchema);
}

const answersDocSchema = valuesSchema
  .transform((v) => ({values: v}))
  .or(recipeSchema.pick({values: true}).strict()) as unknown as z.ZodType<{values: RecipeValues}>;

function parseYaml<T>(text: string, file: string, schema: z.ZodType<T>): T {
  // The yaml library stops alias bombs (and deep nesting) with a plain Error, refused as file:1:1.
  const y = readYaml(text, file, 100);
  const res = schema.safeParse(y.data ?? {});
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const path = (issue?.path ?? []) as (string | number)[];
  const pos = positionOf(y, path);
  throw new InputError(`${file}:${pos.line}:${pos.col}: ${path.join('.') || 'document'}: ${describeIssue(issue)}`);
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  return issue.message;
}

/** `--set key=value`: typed by the schema, so `ssh_port=22abc` is an error, never a string that reaches a config. */
export function parseSets(sets: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const shape = valuesSchema.shape as Record<string, z.ZodType>;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new InputError(`--set ${JSON.stringify(s)}: write it as key=value`);
    const key = s.slice(0, eq);
    const raw = s.slice(eq + 1);
    if (CONTROL.test(raw)) throw new InputError(`--set ${key}: the value contains a newline or control character`);
    // Own keys only: `__proto__`, `toString` or `constructor` are unknown keys, not the prototype's.
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!field) throw new InputError(`--set ${key}: unknown key; known keys: ${Object.keys(shape).join(', ')}`);
    const kind = baseType(field);
    let value: unknown = raw;
    if (kind === 'number') {
      if (!/^[0-9]+$/.test(raw)) throw new InputError(`--set ${key}=${raw}: expected a whole number`);
      value = Number(raw);
    } else if (kind === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new InputError(`--set ${key}=${raw}: expected true or false`);
      value = raw === 'true';
    } else if (kind === 'array') {
      value = raw === '' ? [] : raw.split(',').map((x) => x.trim());
    }
    const r = field.safeParse(value);
    if (!r.success) throw new InputError(`--set ${key}=${raw}: ${describeIssue(r.error.issues[0])}`);
    out[key] = r.data;
  }
  return out;
}

/** `--set` values typed as recipe values (each one was checked by parseSets: this parse cannot fail). */
export function setValues(sets: readonly string[]): RecipeValues {
  return valuesSchema.parse(parseSets(sets));
}

function baseType(t: z.ZodType): string {
  let cur = t as unknown as {def: {type: string; innerType?: unknown}};
  while (cur.def.type === 'optional' || cur.def.type === 'default') cur = cur.def.innerType as typeof cur;
  return cur.def.type;
}
