import {readFileSync, statSync} from 'node:fs';
import {extname} from 'node:path';
import {assertNever, InputError} from '../util/errors.js';
import {parseIniInventory} from './inventory-ini.js';
import {parseJsonInventory, parseYamlInventory} from './inventory-yaml.js';

/** A variable value as an inventory gives it: INI gives strings, YAML and JSON give typed values. */
export type VarValue = unknown;
export type Vars = Record<string, VarValue>;

export interface InventoryGroup {
  name: string;
  /** Hosts listed in the group itself, in inventory order (not those of its children). */
  hosts: string[];
  children: string[];
  vars: Vars;
}

/**
 * An Ansible inventory as portcullis reads it: hosts in inventory order with their own vars, and groups
 * (`all` and `ungrouped` always exist, as in Ansible). Nothing here has been validated for use yet:
 * host-vars.ts turns a host into a way in and recipe values, refusing what does not fit.
 */
export interface Inventory {
  file: string;
  format: 'ini' | 'yaml' | 'json';
  /** Host name -> its own vars (host vars); insertion order is inventory order. */
  hosts: Map<string, Vars>;
  groups: Map<string, InventoryGroup>;
}

const MAX_BYTES = 4 * 1024 * 1024;

/** Reads an inventory file: INI, YAML, or the JSON `ansible-inventory --list` prints. Errors are exit 2. */
export function loadInventory(file: string): Inventory {
  let text: string;
  try {
    if (statSync(file).size > MAX_BYTES) throw new InputError(`${file}: an inventory larger than 4 MiB is refused`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read inventory ${file}: ${(e as Error).message}`);
  }
  const inv = parseInventory(text, file);
  if (inv.hosts.size === 0) throw new InputError(`${file}: the inventory lists no hosts`);
  return inv;
}

export function parseInventory(text: string, file: string): Inventory {
  const format = inventoryFormat(text, file);
  switch (format) {
    case 'json':
      return parseJsonInventory(text, file);
    case 'yaml':
      return parseYamlInventory(text, file);
    case 'ini':
      return parseIniInventory(text, file);
    default:
      return assertNever(format, 'inventory format');
  }
}

/** By extension (.ini .yml .yaml .json), else by content: `{` is JSON, a `key:` line is YAML, else INI. */
export function inventoryFormat(text: string, file: string): Inventory['format'] {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yml' || ext === '.yaml') return 'yaml';
  if (ext === '.ini' || ext === '.cfg') return 'ini';
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (body.startsWith('{')) return 'json';
  const firstLine = body.split('\n').find((l) => l.trim() !== '' && !/^\s*[#;]/.test(l)) ?? '';
  if (/^\s*\[[^\]]+\]\s*$/.test(firstLine)) return 'ini';
  if (/^(---|[A-Za-z0-9_.-]+:\s*(#.*)?$)/.test(firstLine)) return 'yaml';
  return 'ini';
}

/** An empty inventory with the two groups Ansible always has. */
export function emptyInventory(file: string, format: Inventory['format']): Inventory {
  const groups = new Map<string, InventoryGroup>();
  groups.set('all', {name: 'all', hosts: [], children: [], vars: {}});
  groups.set('ungrouped', {name: 'ungrouped', hosts: [], children: [], vars: {}});
  return {file, format, hosts: new Map(), groups};
}

export function groupOf(inv: Inventory, name: string): InventoryGroup {
  let g = inv.groups.get(name);
  if (!g) {
    g = {name, hosts: [], children: [], vars: {}};
    inv.groups.set(name, g);
  }
  return g;
}

/** Adds a host to a group (once), creating both as needed; later vars for the same host win. */
export function addHost(inv: Inventory, group: string, host: string, vars: Vars): void {
  inv.hosts.set(host, {...(inv.hosts.get(host) ?? {}), ...vars});
  const g = groupOf(inv, group);
  if (!g.hosts.includes(host)) g.hosts.push(host);
}

export function addChild(inv: Inventory, parent: string, child: string): void {
  if (parent === child) throw new InputError(`${inv.file}: group ${parent} lists itself as a child`);
  groupOf(inv, child);
  const g = groupOf(inv, parent);
  if (!g.children.includes(child)) g.children.push(child);
}

/**
 * Ansible's implicit groups: every group that is nobody's child is a child of `all`, and every host in no
 * group but `all` is in `ungrouped`. Refuses cycles among children.
 */
export function finishInventory(inv: Inventory): Inventory {
  const isChild = new Set<string>();
  for (const g of inv.groups.values()) for (const c of g.children) isChild.add(c);
  const all = groupOf(inv, 'all');
  for (const g of inv.groups.values()) {
    if (g.name !== 'all' && !isChild.has(g.name) && !all.children.includes(g.name)) all.children.push(g.name);
  }
  const grouped = new Set<string>();
  for (const g of inv.groups.values())
    if (g.name !== 'all' && g.name !== 'ungrouped') for (const h of g.hosts) grouped.add(h);
  const ungrouped = groupOf(inv, 'ungrouped');
  for (const h of inv.hosts.keys()) if (!grouped.has(h) && !ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
  all.hosts = all.hosts.filter((h) => !grouped.has(h) && !ungrouped.hosts.includes(h));
  // Cycles would make group membership endless.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new InputError(`${inv.file}: groups are children of each other: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const c of inv.groups.get(name)?.children ?? []) visit(c, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of inv.groups.keys()) visit(name, []);
  return inv;
}

/** Every host of a group, its children's included, in inventory order. */
export function hostsOfGroup(inv: Inventory, name: string): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const walk = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    const g = inv.groups.get(n);
    if (!g) return;
    for (const h of g.hosts) out.add(h);
    for (const c of g.children) walk(c);
  };
  if (name === 'all') return new Set(inv.hosts.keys());
  walk(name);
  return new Set([...inv.hosts.keys()].filter((h) => out.has(h)));
}
