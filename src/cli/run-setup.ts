import {writeFileSync} from 'node:fs';
import {stringify} from 'yaml';
import {stepsFor} from '../../steps/index.js';
import type {Step} from '../core/types.js';
import {type GivenValues, type RunValues, resolveValues} from '../core/values.js';
import {loadAnswers, loadRecipe, setValues} from '../recipes/load.js';
import {valuesSchema} from '../recipes/schema.js';
import {checkTeamKeepsOperator, teamOf} from '../team/team-file.js';
import {InputError} from '../util/errors.js';

export interface RunSetup {
  recipeName: string;
  steps: Step<unknown>[];
  /** The run's values, resolved once before connecting (core/values.ts); `values.given` is what was given. */
  values: RunValues;
}

/**
 * Recipe + answers + `--set` values + the step list, all validated before anything connects to a target:
 * each value by the schema (with the validator its step uses), the team file read and checked, and what
 * depends on several values checked together. Values only the target can tell are derived later, once,
 * before the first step (engine/derive.ts).
 */
export function setupRun(o: {
  recipe?: string;
  set?: string[];
  answers?: string;
  confirmTimeout?: string;
  until?: string;
  /** The account TARGET logs in as, when it names one (user@host): checked against the team file. */
  login?: string;
}): RunSetup {
  const recipe = loadRecipe(o.recipe ?? 'fresh-vps');
  // Precedence: the recipe's values, then an answers file, then --set.
  const answers = o.answers ? loadAnswers(o.answers) : {};
  const given: GivenValues = {...recipe.values, ...answers, ...setValues(o.set ?? [])};
  if (o.confirmTimeout !== undefined) {
    // The same range as confirm_timeout in a recipe or --set (the flag wins over both).
    const n = /^[0-9]{1,6}$/.test(o.confirmTimeout) ? Number(o.confirmTimeout) : Number.NaN;
    if (!valuesSchema.shape.confirm_timeout.safeParse(n).success) {
      throw new InputError(
        `--confirm-timeout ${JSON.stringify(o.confirmTimeout)}: give whole seconds from 15 to 3600 (default 120)`,
      );
    }
    given.confirm_timeout = n;
  }
  const values = checkTogether(given, recipe.name, o.login);
  const steps = stepsFor(recipe.steps);
  if (o.until && !steps.some((s) => s.id === o.until)) {
    throw new InputError(
      `--until ${o.until}: the recipe has no such step (steps: ${steps.map((s) => s.id).join(', ')})`,
    );
  }
  return {recipeName: recipe.name, steps, values};
}

/**
 * The run's values resolved once (core/values.ts: defaults, canonical forms, the checks that need more
 * than one value), and the team file a value names read and checked with the names known before connecting.
 */
export function checkTogether(given: GivenValues, recipe: string, login: string | undefined): RunValues {
  const values = resolveValues(given, recipe);
  const team = teamOf(values.team_file);
  if (team) checkTeamKeepsOperator(team, [login, values.admin_user]);
  return values;
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
export function saveAnswers(file: string, values: RunValues): string[] {
  const given: Record<string, unknown> = values.given;
  const keys = Object.keys(valuesSchema.shape).filter((k) => given[k] !== undefined && !NOT_SAVED.has(k));
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = given[k];
  const skipped = Object.keys(given).filter((k) => NOT_SAVED.has(k) && given[k] !== undefined);
  const header = '# portcullis answers: replay with `portcullis apply TARGET --answers THIS_FILE --yes`\n';
  const note = skipped.length ? `# not saved (secrets): ${skipped.join(', ')}\n` : '';
  try {
    writeFileSync(file, `${header}${note}${stringify(valuesSchema.parse(out))}`, {mode: 0o600});
  } catch (e) {
    throw new InputError(
      `--save-answers ${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); nothing was run`,
    );
  }
  return skipped;
}
