import type {Facts} from '../core/facts.js';
import type {ProbeRequest} from '../core/types.js';
import {detectScript, factsFrom} from '../platform/detect.js';
import type {Target} from '../target/types.js';
import {FACTS_MARK, lineAt, PROBE_MARK, parseProbe, probeScript} from './protocol.js';
import type {ReadCache} from './read-cache.js';

/**
 * The read after a step: (`first`, then) the facts and the probe side by side (two cores, and both are
 * mostly waiting on process starts), printed one after the other: the probe, then the facts.
 */
export function afterStepScript(first: string | undefined, req: ProbeRequest, withFacts = true): string {
  if (!withFacts) return [first ?? '', `echo ${PROBE_MARK}`, probeScript(req), `echo ${FACTS_MARK}`].join('\n');
  return [
    first ?? '',
    `pcdetect() (\n${detectScript()}\n)`,
    'pcd=$(mktemp 2>/dev/null) && { pcdetect "$1" >"$pcd" 2>/dev/null & pcdp=$!; }',
    `echo ${PROBE_MARK}`,
    probeScript(req),
    `if [ -n "$pcd" ]; then wait "$pcdp"; echo ${FACTS_MARK}; cat "$pcd"; rm -f "$pcd"; else echo ${FACTS_MARK}; pcdetect "$1"; fi`,
  ].join('\n');
}

/** The facts and reads from a step's tail (see executeStep); undefined when the tail did not run. */
export function parseAfterStep(
  target: Target,
  out: string | undefined,
  req: ProbeRequest,
  /** The facts as they were, when the tail did not read them again (a step that changed nothing). */
  unchanged?: Facts,
): {facts: Facts; cache: ReadCache} | undefined {
  if (out === undefined) return undefined;
  const p = lineAt(out, PROBE_MARK);
  const f = lineAt(out, FACTS_MARK);
  if (p < 0 || f < p) return undefined;
  const facts = unchanged ?? factsFrom(target, {code: 0, stdout: out.slice(f + FACTS_MARK.length + 1), stderr: ''});
  return {facts, cache: {req, data: parseProbe(out.slice(p + PROBE_MARK.length + 1, f))}};
}
