import {accessSync, constants} from 'node:fs';
import {homedir} from 'node:os';
import type {z} from 'zod';
import {valuesSchema} from '../recipes/schema.js';
import type {Endpoint} from '../target/endpoint.js';
import {InputError} from '../util/errors.js';
import {CONTROL, hostName, port, userName} from '../util/validate.js';
import {hostsOfGroup, type Inventory, type Vars} from './inventory.js';

/** One inventory host, validated: how to reach it and the recipe values its vars set. */
export interface FleetHost {
  /** The inventory name (an alias when ansible_host is set). */
  name: string;
  endpoint: Endpoint;
  /** ansible_ssh_private_key_file, checked readable. */
  identity?: string;
  /** Recipe values from group and host vars (names that match recipe keys; portcullis_* override). */
  values: Record<string, unknown>;
}

/**
 * The vars of a host as Ansible merges them: `all`, then the other groups it is in, parents before
 * children (by depth below `all`, then by name), then the host's own vars.
 */
export function mergedVars(inv: Inventory, host: string, ctx: GroupIndex): Vars {
  const groups = ['all', ...(ctx.groupsOf.get(host) ?? [])];
  groups.sort((a, b) => (ctx.depth.get(a) ?? 0) - (ctx.depth.get(b) ?? 0) || a.localeCompare(b));
  const out: Vars = {};
  for (const g of groups) Object.assign(out, inv.groups.get(g)?.vars);
  return Object.assign(out, inv.hosts.get(host));
}

/** Computed once per inventory: each group's depth below `all`, and the groups each host is in. */
export interface GroupIndex {
  depth: Map<string, number>;
  groupsOf: Map<string, string[]>;
}

export function groupIndex(inv: Inventory): GroupIndex {
  const groupsOf = new Map<string, string[]>();
  for (const g of inv.groups.keys()) {
    if (g === 'all') continue;
    for (const h of hostsOfGroup(inv, g)) groupsOf.set(h, [...(groupsOf.get(h) ?? []), g]);
  }
  return {depth: groupDepths(inv), groupsOf};
}

/** Each group's depth below `all` (the longest way down, as Ansible counts it). */
function groupDepths(inv: Inventory): Map<string, number> {
  const depth = new Map<string, number>([['all', 0]]);
  const walk = (name: string, d: number) => {
    if ((depth.get(name) ?? -1) >= d && name !== 'all') return;
    depth.set(name, d);
    for (const c of inv.groups.get(name)?.children ?? []) walk(c, d + 1);
  };
  for (const c of inv.groups.get('all')?.children ?? []) walk(c, 1);
  return depth;
}

const ALIASES = {
  host: ['ansible_host', 'ansible_ssh_host'],
  port: ['ansible_port', 'ansible_ssh_port'],
  user: ['ansible_user', 'ansible_ssh_user'],
  key: ['ansible_ssh_private_key_file', 'ansible_private_key_file'],
} as const;

function pick(vars: Vars, names: readonly string[]): unknown {
  for (const n of names) if (vars[n] !== undefined && vars[n] !== null) return vars[n];
  return undefined;
}

/** Validates one host: its way in and its recipe values. Every error names the file and the host (exit 2). */
export function resolveHost(inv: Inventory, name: string, ctx: GroupIndex): FleetHost {
  const where = `${inv.file}: host ${name}`;
  const vars = mergedVars(inv, name, ctx);
  const connection = vars.ansible_connection;
  if (connection !== undefined && !['ssh', 'smart', 'paramiko'].includes(String(connection)))
    throw new InputError(
      `${where}: ansible_connection=${String(connection)}: portcullis reaches hosts over ssh only (on the host itself, run it there with --local)`,
    );
  const hostVar = pick(vars, ALIASES.host);
  const host = hostName(
    hostVar === undefined ? name : text(hostVar, `${where}: ansible_host`),
    `${where}: ansible_host`,
  );
  const portVar = pick(vars, ALIASES.port);
  const userVar = pick(vars, ALIASES.user);
  const keyVar = pick(vars, ALIASES.key);
  const endpoint: Endpoint = {
    host,
    port: portVar === undefined ? undefined : port(text(portVar, `${where}: ansible_port`), `${where}: ansible_port`),
    user:
      userVar === undefined ? undefined : userName(text(userVar, `${where}: ansible_user`), `${where}: ansible_user`),
  };
  let identity: string | undefined;
  if (keyVar !== undefined) {
    identity = text(keyVar, `${where}: ansible_ssh_private_key_file`).replace(/^~(?=\/)/, homedir());
    try {
      accessSync(identity, constants.R_OK);
    } catch {
      throw new InputError(`${where}: ansible_ssh_private_key_file ${identity} cannot be read`);
    }
  }
  return {name, endpoint, identity, values: recipeValues(vars, where)};
}

/**
 * The recipe values a host's vars set: a var named like a recipe key (ssh_port) sets it, and
 * `portcullis_<key>` sets it over that. Other vars belong to Ansible and are left alone; an unknown
 * `portcullis_*` name is refused (it was meant for us). Strings are typed like `--set` values.
 */
export function recipeValues(vars: Vars, where: string): Record<string, unknown> {
  const shape = valuesSchema.shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = {};
  const prefixed: [string, unknown][] = [];
  for (const [k, v] of Object.entries(vars)) {
    if (k.startsWith('portcullis_')) {
      const key = k.slice('portcullis_'.length);
      if (!shape[key]) throw new InputError(`${where}: ${k}: portcullis has no recipe value ${key}`);
      prefixed.push([key, v]);
    } else if (shape[k]) out[k] = typed(k, v, shape[k], `${where}: ${k}`);
  }
  for (const [key, v] of prefixed) out[key] = typed(key, v, shape[key] as z.ZodType, `${where}: portcullis_${key}`);
  return out;
}

function typed(_key: string, v: unknown, field: z.ZodType, what: string): unknown {
  let value = v;
  if (typeof v === 'string') {
    if (CONTROL.test(v)) throw new InputError(`${what}: the value contains a newline or control character`);
    const kind = baseType(field);
    if (kind === 'number') {
      if (!/^[0-9]+$/.test(v)) throw new InputError(`${what}=${v}: expected a whole number`);
      value = Number(v);
    } else if (kind === 'boolean') {
      const t = v.toLowerCase();
      if (!['true', 'false', 'yes', 'no'].includes(t)) throw new InputError(`${what}=${v}: expected true or false`);
      value = t === 'true' || t === 'yes';
    } else if (kind === 'array') {
      const inner = v.trim().replace(/^\[(.*)\]$/, '$1');
      value = inner === '' ? [] : inner.split(',').map((x) => x.trim().replace(/^(['"])(.*)\1$/, '$2'));
    }
  }
  const r = field.safeParse(value);
  if (!r.success) throw new InputError(`${what}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

function baseType(t: z.ZodType): string {
  let cur = t as unknown as {def: {type: string; innerType?: unknown}};
  while (cur.def.type === 'optional' || cur.def.type === 'default') cur = cur.def.innerType as typeof cur;
  return cur.def.type;
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string' && typeof v !== 'number') throw new InputError(`${what}: expected a single value`);
  const s = String(v);
  if (CONTROL.test(s) || s.length > 1000) throw new InputError(`${what}: not a one-line value`);
  return s;
}
