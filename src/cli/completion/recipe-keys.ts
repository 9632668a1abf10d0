import {PLATFORMS} from '../../core/facts.js';
import type {Step} from '../../core/types.js';
import {profileFacts} from '../../platform/profiles.js';
import {valuesSchema} from '../../recipes/schema.js';

/**
 * The `--set` keys a recipe's steps read, in the order `recipes show` lists them. Each step's params() is
 * pure: it runs here on every offline platform profile with values that record which keys were asked
 * for (a step that refuses those values still counts the keys it read before). A unit test checks that
 * every key of the schema is read by some step, so none can go missing from every recipe.
 */
export function recipeKeys(steps: readonly Step<unknown>[]): string[] {
  const read = new Set<string>();
  const recording = (base: Record<string, unknown>) =>
    new Proxy(base, {
      get: (t, k) => {
        if (typeof k === 'string') read.add(k);
        return t[k as string];
      },
      has: (t, k) => {
        if (typeof k === 'string') read.add(k);
        return k in t;
      },
    });
  for (const platform of PLATFORMS) {
    const facts = profileFacts(platform);
    for (const step of steps) {
      // Without admin_user a step may refuse at once (root logins need one); with it, it reads on.
      for (const base of [{}, {admin_user: 'admin'}]) {
        try {
          step.params(recording(base), facts);
        } catch {}
      }
    }
  }
  return Object.keys(valuesSchema.shape).filter((k) => read.has(k));
}
