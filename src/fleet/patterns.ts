import {InputError} from '../util/errors.js';
import {hostsOfGroup, type Inventory} from './inventory.js';

/**
 * Ansible's basic host patterns, as `--limit` takes them: `all` or `*`, a group, a host, a `*` wildcard
 * over host and group names, joined by `:` or `,` (union); `&term` keeps only hosts also in term,
 * `!term` removes term's hosts. As in Ansible, unions are taken first, then intersections, then
 * exclusions, whatever their order; a pattern of exclusions only starts from `all`. A term that matches
 * nothing is refused (exit 2): a typo in `!prod` must never widen the run. Hosts keep inventory order.
 */
export function selectHosts(inv: Inventory, pattern: string | undefined): string[] {
  const all = [...inv.hosts.keys()];
  if (pattern === undefined) return all;
  const terms = pattern
    .split(/[:,]/)
    .map((t) => t.trim())
    .filter(Boolean);
  if (!terms.length) throw new InputError(`--limit ${JSON.stringify(pattern)}: no host pattern in it`);
  const plus = terms.filter((t) => !t.startsWith('!') && !t.startsWith('&'));
  const and = terms.filter((t) => t.startsWith('&')).map((t) => t.slice(1));
  const minus = terms.filter((t) => t.startsWith('!')).map((t) => t.slice(1));
  let chosen = new Set<string>(plus.length ? [] : all);
  for (const t of plus) for (const h of matchTerm(inv, t)) chosen.add(h);
  for (const t of and) {
    const m = matchTerm(inv, t);
    chosen = new Set([...chosen].filter((h) => m.has(h)));
  }
  for (const t of minus) for (const h of matchTerm(inv, t)) chosen.delete(h);
  return all.filter((h) => chosen.has(h));
}

function matchTerm(inv: Inventory, term: string): Set<string> {
  if (!/^[A-Za-z0-9_.*\-[\]]+$/.test(term))
    throw new InputError(
      `--limit: ${JSON.stringify(term)} is not a host, group or wildcard (regular expressions and subscripts are not supported)`,
    );
  if (term === 'all' || term === '*') return new Set(inv.hosts.keys());
  if (inv.groups.has(term)) return hostsOfGroup(inv, term);
  if (inv.hosts.has(term)) return new Set([term]);
  if (term.includes('*')) {
    const re = new RegExp(`^${term.replace(/[.[\]-]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const out = new Set<string>();
    for (const g of inv.groups.keys()) if (re.test(g)) for (const h of hostsOfGroup(inv, g)) out.add(h);
    for (const h of inv.hosts.keys()) if (re.test(h)) out.add(h);
    if (out.size) return out;
  }
  throw new InputError(`--limit: ${term} matches no host or group in ${inv.file}`);
}
