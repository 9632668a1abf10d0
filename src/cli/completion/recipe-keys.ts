import {PLATFORMS, type PlatformId} from '../../core/facts.js';
import type {Step} from '../../core/types.js';
import {type GivenValues, READ_WITH, resolveValues, runContext, type ValueKey} from '../../core/values.js';
import {profileFacts} from '../../platform/profiles.js';
import {valuesSchema} from '../../recipes/schema.js';

/**
 * The recipe values the steps read: each step's params() is pure, so it runs here on the platforms'
 * offline profiles with the values a run would resolve from `bases`, recording every key asked for (a
 * step that refuses those values still counts the keys it read before); then the values only a step's
 * prepare phase reads, and those the resolver reads together with one read.
 */
export function keysReadBy(
  steps: readonly Step<unknown>[],
  platforms: readonly PlatformId[],
  bases: readonly GivenValues[],
): Set<string> {
  const read = new Set<string>();
  const recording = (base: GivenValues) =>
    new Proxy(resolveValues(base), {
      get: (t, k) => {
        if (typeof k === 'string') read.add(k);
        return Reflect.get(t, k);
      },
      has: (t, k) => {
        if (typeof k === 'string') read.add(k);
        return Reflect.has(t, k);
      },
    });
  for (const platform of platforms) {
    const facts = profileFacts(platform);
    for (const step of steps)
      for (const base of bases) {
        try {
          step.params(recording(base), facts, runContext());
        } catch {}
      }
  }
  for (const s of steps) for (const k of s.prepareReads ?? []) read.add(k);
  for (const k of [...read]) for (const w of READ_WITH[k as ValueKey] ?? []) read.add(w);
  return read;
}

/**
 * The `--set` keys a recipe's steps read, in the order `recipes show` lists them, on every platform (without
 * admin_user a step may refuse at once: root logins need one; with it, it reads on). A unit test checks
 * that every key of the schema is read by some step, so none can go missing from every recipe.
 */
export function recipeKeys(steps: readonly Step<unknown>[]): string[] {
  const read = keysReadBy(steps, PLATFORMS, [{}, {admin_user: 'admin'}]);
  return Object.keys(valuesSchema.shape).filter((k) => read.has(k));
}
