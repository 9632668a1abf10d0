import type {Facts} from '../../core/facts.js';
import type {Step} from '../../core/types.js';

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
): string | undefined {
  const next = {...known, ...edited};
  for (const s of steps) {
    let after: unknown;
    try {
      after = s.params(next, facts);
    } catch (e) {
      return (e as Error).message.replace(/^--set /, '');
    }
    if (ran.has(s.id) && JSON.stringify(after) !== JSON.stringify(s.params(known, facts)))
      return `${s.title} already ran with the old value; change it with --set in a new run`;
  }
  return undefined;
}
