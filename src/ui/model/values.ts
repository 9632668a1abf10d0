/** One parameter of a step as the engine used it: defaults filled in, secrets never shown. */
export interface ValueRow {
  name: string;
  value: string;
}

const SECRET = /password|secret|private/i;
const MAX = 60;

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
  for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${k}` : k;
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
