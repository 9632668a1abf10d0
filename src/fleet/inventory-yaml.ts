import {parseDocument} from 'yaml';
import {InputError} from '../util/errors.js';
import {expandHostRange} from './host-range.js';
import {addChild, addHost, emptyInventory, finishInventory, groupOf, type Inventory, type Vars} from './inventory.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Ansible's YAML inventory: top-level groups (usually `all`), each with `hosts` (a map of host -> vars,
 * host ranges allowed), `vars` and `children` (a map of groups, nested the same way).
 */
export function parseYamlInventory(text: string, file: string): Inventory {
  const doc = parseDocument(text, {prettyErrors: false, uniqueKeys: true});
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e?.linePos?.[0];
    throw new InputError(`${file}:${pos?.line ?? 1}:${pos?.col ?? 1}: ${e?.message.split('\n')[0] ?? 'invalid YAML'}`);
  }
  const root = doc.toJS() ?? {};
  if (!isObj(root)) throw new InputError(`${file}: a YAML inventory is a map of groups (all: hosts: ...)`);
  const inv = emptyInventory(file, 'yaml');
  const walk = (name: string, body: unknown, path: string) => {
    checkGroupName(name, file);
    groupOf(inv, name);
    if (body === null || body === undefined) return;
    if (!isObj(body)) throw new InputError(`${file}: ${path}: a group is a map with hosts, vars and children`);
    for (const k of Object.keys(body))
      if (!['hosts', 'vars', 'children'].includes(k))
        throw new InputError(`${file}: ${path}: unknown key ${k} (a group has hosts, vars and children)`);
    if (body.hosts !== undefined && body.hosts !== null) {
      if (!isObj(body.hosts)) throw new InputError(`${file}: ${path}.hosts: a map of host names to their vars`);
      for (const [pattern, vars] of Object.entries(body.hosts)) {
        const v = varsOf(vars, `${file}: ${path}.hosts.${pattern}`);
        for (const host of expandHostRange(pattern, `${file}: ${path}.hosts`)) addHost(inv, name, host, v);
      }
    }
    if (body.vars !== undefined && body.vars !== null)
      Object.assign(groupOf(inv, name).vars, varsOf(body.vars, `${file}: ${path}.vars`));
    if (body.children !== undefined && body.children !== null) {
      if (!isObj(body.children)) throw new InputError(`${file}: ${path}.children: a map of groups`);
      for (const [child, cbody] of Object.entries(body.children)) {
        addChild(inv, name, child);
        walk(child, cbody, `${path}.children.${child}`);
      }
    }
  };
  for (const [name, body] of Object.entries(root)) walk(name, body, name);
  return finishInventory(inv);
}

/**
 * What `ansible-inventory --list` prints: `_meta.hostvars` (host -> vars, group vars already merged in
 * unless `--export`) and one entry per group with `hosts` and `children` lists and `vars`.
 */
export function parseJsonInventory(text: string, file: string): Inventory {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (!isObj(root)) throw new InputError(`${file}: expected the object ansible-inventory --list prints`);
  const inv = emptyInventory(file, 'json');
  const meta = root._meta;
  const hostvars = isObj(meta) && isObj(meta.hostvars) ? meta.hostvars : {};
  for (const [name, body] of Object.entries(root)) {
    if (name === '_meta') continue;
    checkGroupName(name, file);
    groupOf(inv, name);
    const hosts = Array.isArray(body) ? body : isObj(body) ? (body.hosts ?? []) : undefined;
    if (!Array.isArray(hosts)) throw new InputError(`${file}: ${name}.hosts: a list of host names`);
    for (const h of hosts) {
      if (typeof h !== 'string') throw new InputError(`${file}: ${name}.hosts: host names are strings`);
      addHost(inv, name, h, {});
    }
    if (!isObj(body)) continue;
    const children = body.children ?? [];
    if (!Array.isArray(children) || !children.every((c) => typeof c === 'string'))
      throw new InputError(`${file}: ${name}.children: a list of group names`);
    for (const c of children as string[]) {
      checkGroupName(c, file);
      addChild(inv, name, c);
    }
    if (body.vars !== undefined) Object.assign(groupOf(inv, name).vars, varsOf(body.vars, `${file}: ${name}.vars`));
  }
  for (const [host, vars] of Object.entries(hostvars)) {
    if (!inv.hosts.has(host)) addHost(inv, 'ungrouped', host, {});
    inv.hosts.set(host, {...inv.hosts.get(host), ...varsOf(vars, `${file}: _meta.hostvars.${host}`)});
  }
  return finishInventory(inv);
}

function varsOf(v: unknown, where: string): Vars {
  if (v === null || v === undefined) return {};
  if (!isObj(v)) throw new InputError(`${where}: vars are a map of names to values`);
  return {...v};
}

function checkGroupName(name: string, file: string): void {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name))
    throw new InputError(`${file}: group name ${JSON.stringify(name)}: letters, digits, _ . and - only`);
}
