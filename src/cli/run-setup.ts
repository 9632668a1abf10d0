import {writeFileSync} from 'node:fs';
import {stringify} from 'yaml';
import {stepsFor} from '../../steps/index.js';
import type {Step} from '../core/types.js';
import {loadAnswers, loadRecipe, parseSets} from '../recipes/load.js';
import {valuesSchema} from '../recipes/schema.js';
import {checkTeamKeepsOperator, loadTeamFile} from '../team/team-file.js';
import {checkSudoAll} from '../units/values.js';
import {InputError} from '../util/errors.js';

export interface RunSetup {
  recipeName: string;
  steps: Step<unknown>[];
  values: Record<string, unknown>;
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
  const values: Record<string, unknown> = {
    ...recipe.values,
    ...answers,
    ...parseSets(o.set ?? []),
    recipe: recipe.name,
  };
  if (o.confirmTimeout !== undefined) {
    // The same range as confirm_timeout in a recipe or --set (the flag wins over both).
    const n = /^[0-9]{1,6}$/.test(o.confirmTimeout) ? Number(o.confirmTimeout) : Number.NaN;
    if (!valuesSchema.shape.confirm_timeout.safeParse(n).success) {
      throw new InputError(
        `--confirm-timeout ${JSON.stringify(o.confirmTimeout)}: give whole seconds from 15 to 3600 (default 120)`,
      );
    }
    values.confirm_timeout = n;
  }
  checkTogether(values, o.login);
  const steps = stepsFor(recipe.steps);
  if (o.until && !steps.some((s) => s.id === o.until)) {
    throw new InputError(
      `--until ${o.until}: the recipe has no such step (steps: ${steps.map((s) => s.id).join(', ')})`,
    );
  }
  return {recipeName: recipe.name, steps, values};
}

/** Checks that need more than one value, or a file a value names. */
export function checkTogether(values: Record<string, unknown>, login: string | undefined): void {
  const peers = (values.peers as string[] | undefined) ?? [];
  const both = ((values.peers_remove as string[] | undefined) ?? []).filter((p) => peers.includes(p));
  if (both.length) throw new InputError(`peer ${both[0]} is both in peers and in peers_remove: add it or revoke it`);
  checkSudoAll(values);
  if (typeof values.team_file === 'string') {
    const team = loadTeamFile(values.team_file);
    const admin = typeof values.admin_user === 'string' ? values.admin_user : undefined;
    checkTeamKeepsOperator(team, [login, admin]);
  }
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
  try {
    writeFileSync(file, `${header}${note}${stringify(valuesSchema.parse(out))}`, {mode: 0o600});
  } catch (e) {
    throw new InputError(
      `--save-answers ${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); nothing was run`,
    );
  }
  return skipped;
}
