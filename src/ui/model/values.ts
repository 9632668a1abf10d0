import {formatSubnet} from '../../wg/subnet.js';

/** One parameter of a step as the engine used it: defaults filled in, secrets never shown. */
export interface ValueRow {
  name: string;
  value: string;
}

const SECRET = /password|secret|private/i;
const MAX = 60;

/** How the run works rather than what the step does: never shown as a value. */
const INTERNAL = new Set(['interactive', 'connect', 'fallbackServerAddress']);
/** A parameter's name as the operator reads it (the rest keep theirs). */
const SHOWN_AS: Readonly<Record<string, string>> = {timeoutS: 'wait'};

/** A network held as numbers ({base, prefix}), shown as the CIDR the operator typed or reads. */
function asCidr(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (Object.keys(o).length !== 2 || typeof o.base !== 'number' || typeof o.prefix !== 'number') return undefined;
  return formatSubnet({base: o.base, prefix: o.prefix});
}

function show(name: string, v: unknown): string {
  if (v === undefined) return '(not set)';
  if (typeof v === 'string') {
    if (SECRET.test(name)) return '(hidden)';
    // Public key lines are long: type, start of the blob, comment.
    const key = /^(ssh-[a-z0-9-]+|ecdsa-[a-z0-9-]+|sk-[a-z0-9@.-]+) (\S{12})\S*(?: (.*))?$/.exec(v);
    if (key) return `${key[1]} ${key[2]}…${key[3] ? ` ${key[3]}` : ''}`;
    return v.length > MAX ? `${v.slice(0, MAX - 1)}…` : v;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * Flattens a step's parameters to `name = value` rows (nested objects as dotted names, lists joined).
 * Whatever the step's shape, the rows are what it will use, defaults included.
 */
export function valueRows(params: unknown, prefix = ''): ValueRow[] {
  if (params === null || typeof params !== 'object') return prefix ? [{name: prefix, value: show(prefix, params)}] : [];
  const rows: ValueRow[] = [];
  const entries = Object.entries(params as Record<string, unknown>);
  const cidrs = new Set<string>();
  for (const [k, v] of entries) {
    if (INTERNAL.has(k)) continue;
    const cidr = asCidr(v);
    if (cidr !== undefined) {
      // The same network twice (the tunnel's, and the one the host gets) is said once.
      if (!cidrs.has(cidr)) rows.push({name: prefix ? `${prefix}.${k}` : k, value: cidr});
      cidrs.add(cidr);
      continue;
    }
    const name = prefix ? `${prefix}.${SHOWN_AS[k] ?? k}` : (SHOWN_AS[k] ?? k);
    if (k === 'timeoutS' && typeof v === 'number') {
      rows.push({name, value: `${v} s`});
      continue;
    }
    if (k === 'keys' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      // Public keys by peer: named, the start of each (a key is not a value the operator sets).
      for (const [peer, key] of Object.entries(v as Record<string, unknown>))
        rows.push({
          name: `${peer}'s key`,
          value: typeof key === 'string' ? `${key.slice(0, 12)}… (public)` : show(peer, key),
        });
      continue;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) rows.push({name, value: '(none)'});
      else if (v.every((x) => typeof x !== 'object')) {
        const shown = v.map((x) => show(name, x));
        if (shown.join(', ').length <= MAX) rows.push({name, value: shown.join(', ')});
        else for (const [i, s] of shown.entries()) rows.push({name: `${name}[${i}]`, value: s});
      } else for (const [i, x] of v.entries()) rows.push(...valueRows(x, `${name}[${i}]`));
    } else if (v !== null && typeof v === 'object') rows.push(...valueRows(v, name));
    else rows.push({name, value: show(name, v)});
  }
  return rows;
}

/** `name = value` rows as one paragraph, named by their last part where that is unambiguous. */
export function compactValues(rows: readonly ValueRow[]): string {
  const leaf = (n: string) => n.slice(n.lastIndexOf('.') + 1);
  const count = new Map<string, number>();
  for (const r of rows) count.set(leaf(r.name), (count.get(leaf(r.name)) ?? 0) + 1);
  return rows.map((r) => `${count.get(leaf(r.name)) === 1 ? leaf(r.name) : r.name}=${r.value}`).join(' · ');
}
