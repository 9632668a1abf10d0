import type {Action} from '../core/types.js';
import type {Touched} from './as-user.js';

/** Changes an operator would count: proofs and the timer are the safety net, not changes. */
export function countChanges(actions: readonly Action[]): number {
  return actions.filter((a) => a.kind !== 'proof' && a.kind !== 'timer.arm' && a.kind !== 'timer.disarm').length;
}
export /** Every path the actions may change, once each; one a user's action changes is snapshotted and restored as that user. */
function touchedPaths(actions: readonly Action[]): Touched[] {
  const s = new Map<string, Touched>();
  const add = (path: string, as?: string) => {
    const had = s.get(path);
    s.set(path, {path, ...((as ?? had?.as) ? {as: as ?? had?.as} : {})});
  };
  for (const a of actions) {
    if (a.kind === 'file.write' || a.kind === 'file.remove') add(a.path, a.as);
    if ((a.kind === 'run' || a.kind === 'firewall.rule') && a.touches) for (const t of a.touches) add(t);
  }
  return [...s.values()];
}
