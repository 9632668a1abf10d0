import type {Facts} from '../../core/facts.js';
import type {Step} from '../../core/types.js';
import {type GivenValues, type RunContext, resolveValues, runContext} from '../../core/values.js';

/**
 * Why edited values are refused, or undefined: they must suit every step of the run (a /33 subnet passes
 * the schema and is refused by WireGuard's parameters), and must not change what a step that already ran
 * used (fail2ban's ignoreip holds the tunnel subnet). Pure: steps' params only read.
 */
export function editRefusal(
  steps: readonly Step<unknown>[],
  ran: ReadonlySet<string>,
  known: Record<string, unknown>,
  edited: Record<string, unknown>,
  facts: Facts,
  run: RunContext = runContext(),
): string | undefined {
  // Both were checked by the schema (the run's values, the edit): resolved as the engine resolves them.
  const resolve = (v: Record<string, unknown>) => resolveValues(v as GivenValues, '', facts.operator.loginUser);
  const before = resolve(known);
  for (const s of steps) {
    let after: unknown;
    try {
      after = s.params(resolve({...known, ...edited}), facts, run);
    } catch (e) {
      return (e as Error).message.replace(/^--set /, '');
    }
    if (ran.has(s.id) && JSON.stringify(after) !== JSON.stringify(s.params(before, facts, run)))
      return `${s.title} already ran with the old value; change it with --set in a new run`;
  }
  return undefined;
}
