import {createTwoFilesPatch} from 'diff';
import type {Action, ProbeData} from '../core/types.js';
import {printable} from '../util/terminal.js';

/**
 * Unified diffs of every file the actions write or remove, against what the probe read. Secrets are never
 * shown; control characters (a user's file on the target may hold any) are shown escaped, never raw.
 */
export function diffsFor(actions: readonly Action[], probe: ProbeData): (string | undefined)[] {
  const out: (string | undefined)[] = actions.map(() => undefined);
  const current = new Map<string, string | undefined>();
  const before = (p: string) =>
    current.has(p) ? current.get(p) : probe.files[p]?.exists ? (probe.files[p]?.content ?? '') : undefined;
  for (const [i, a] of actions.entries()) {
    if (a.kind === 'file.write') {
      const old = before(a.path);
      out[i] = a.secret
        ? `--- ${a.path}\n+++ ${a.path}\n(secret content withheld: ${old === undefined ? 'new file' : 'replaced'})\n`
        : patch(a.path, old, a.content);
      current.set(a.path, a.content);
    } else if (a.kind === 'file.remove') {
      const old = before(a.path);
      if (old !== undefined) out[i] = patch(a.path, old, undefined);
      current.set(a.path, undefined);
    }
  }
  return out;
}

function patch(path: string, oldText: string | undefined, newText: string | undefined): string {
  const p = createTwoFilesPatch(
    oldText === undefined ? '/dev/null' : path,
    newText === undefined ? '/dev/null' : path,
    oldText ?? '',
    newText ?? '',
    undefined,
    undefined,
    {context: 3},
  );
  return printable(
    p
      .split('\n')
      .filter((l) => !l.startsWith('==='))
      .join('\n'),
  );
}
