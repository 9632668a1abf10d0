import type {Facts} from '../core/facts.js';
import type {Derivation, ProbeData, ProbeRequest, Step} from '../core/types.js';
import {type GivenValues, type RunValues, withGiven} from '../core/values.js';

/**
 * Values resolved once, before the first step. The recipe, an answers file and `--set` are merged and
 * validated before connecting (cli/run-setup.ts); what only the target can tell (the tunnel subnet a
 * fresh server gets, the one an existing tunnel already uses) is derived here, once, from the facts and
 * one read, and put into the same values object. Every step then selects from that object: an early
 * step (fail2ban's ignoreip) sees the very subnet a later step (WireGuard) will create, and a value no
 * step re-derives halfway through a run (after WireGuard, the host's own 10.66.0.0/24 would make a fresh
 * derivation pick 10.67.0.0/24).
 *
 * To add a derived value: give the step that owns it a `derives` entry (core/types.ts `Derivation`):
 * the recipe key, what it reads on the target, and how it is computed. A value the operator gave is
 * never replaced.
 */

/** The derivations of the run's steps whose value the operator left unset, in step order. */
export function pendingDerivations(steps: readonly Step<unknown>[], values: RunValues): Derivation[] {
  const seen = new Set<string>();
  const out: Derivation[] = [];
  for (const s of steps)
    for (const d of s.derives ?? []) {
      if (values.given[d.key] !== undefined || seen.has(d.key)) continue;
      seen.add(d.key);
      out.push(d);
    }
  return out;
}

export function derivationReads(derivations: readonly Derivation[]): ProbeRequest[] {
  return derivations.map((d) => d.reads ?? {});
}

/**
 * The values with every pending derivation filled in, and the admin user a non-root login stands for
 * when none is given: the run's typed values, complete. Throws InputError when a value cannot be derived
 * (then nothing has run: exit 2). `probe` holds at least what the derivations' `reads` asked for.
 */
export function applyDerivations(
  derivations: readonly Derivation[],
  values: RunValues,
  facts: Facts,
  probe: ProbeData,
): RunValues {
  let v = withGiven(values, {}, facts.operator.loginUser);
  for (const d of derivations) {
    const got = d.derive({values: v, facts, probe});
    if (got !== undefined) v = withGiven(v, {[d.key]: got} as GivenValues, facts.operator.loginUser);
  }
  return v;
}
