import type {Action, Step} from '../../src/core/types.js';

/**
 * A step for engine tests: reads nothing, takes no values and plans `actions` every time, unless `extra`
 * says otherwise (any field of a step). Title defaults to the id, risk to 'reversible', why and undo to
 * 'test'.
 */
export function fakeStep<P = Record<string, never>>(
  id: string,
  actions: readonly Action[] = [],
  extra: Partial<Step<P>> = {},
): Step<unknown> {
  return {
    id,
    title: id,
    why: 'test',
    risk: 'reversible',
    undo: 'test',
    params: () => ({}),
    probe: () => ({}),
    plan: () => ({actions: [...actions], findings: [], onRollback: []}),
    ...extra,
  } as Step<unknown>;
}
