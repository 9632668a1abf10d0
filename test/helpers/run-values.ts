import type {Facts} from '../../src/core/facts.js';
import type {Step} from '../../src/core/types.js';
import {
  type GivenValues,
  type RunContext,
  type RunSettings,
  type RunValues,
  resolveValues,
  runContext,
} from '../../src/core/values.js';
import {prepareSteps} from '../../src/engine/prepare.js';
import {teamOf} from '../../src/team/team-file.js';

/**
 * Tests write a run's values as one flat map, as a recipe and the CLI's flags would give them: recipe keys,
 * plus the run settings under their old names (target_host, interactive, connect_tunnel, wg_add_admin_peer)
 * and peer keys (wg_keys). These split and resolve that map the way a run does (core/values.ts).
 */
const SETTING_KEYS = new Set([
  'target_host',
  'interactive',
  'connect_tunnel',
  'wg_add_admin_peer',
  'wg_keys',
  'recipe',
]);

function given(raw: Record<string, unknown>): GivenValues {
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !SETTING_KEYS.has(k))) as GivenValues;
}

/** The run's values from a flat map (settings left out), resolved; with facts, the login fills admin_user. */
export function runValues(raw: Record<string, unknown> = {}, facts?: Facts): RunValues {
  return resolveValues(given(raw), typeof raw.recipe === 'string' ? raw.recipe : '', facts?.operator.loginUser);
}

/** The run settings a flat map names. */
export function runSettings(raw: Record<string, unknown> = {}): Partial<RunSettings> {
  return {
    ...(typeof raw.target_host === 'string' ? {targetHost: raw.target_host} : {}),
    ...(raw.interactive === true ? {interactive: true} : {}),
    ...(raw.connect_tunnel === true ? {connectTunnel: true} : {}),
    ...(raw.wg_add_admin_peer === false ? {ownPeer: false} : {}),
  };
}

/** The run context a flat map names: settings, the team file it names (read), the peer keys it gives. */
export function runOf(raw: Record<string, unknown> = {}): RunContext {
  const ctx = runContext(runSettings(raw), teamOf(typeof raw.team_file === 'string' ? raw.team_file : undefined));
  const keys = (raw.wg_keys ?? {}) as Record<string, string>;
  return {...ctx, prepared: {...ctx.prepared, peerKeys: keys}};
}

/** A step's parameters for a flat map of values, as a run computes them (its prepare phase run first, read only). */
export function paramsFor<P>(step: Step<P>, raw: Record<string, unknown>, facts: Facts): P {
  const values = runValues(raw, facts);
  const run = runOf(raw);
  return step.params(values, facts, {...run, prepared: prepareSteps([step], values, facts, run, false)});
}
