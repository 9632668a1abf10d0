import {assertNever, InputError} from '../util/errors.js';
import {CONTROL} from '../util/validate.js';
import {expandHostRange} from './host-range.js';
import {addChild, addHost, emptyInventory, finishInventory, groupOf, type Inventory, type Vars} from './inventory.js';

/**
 * Ansible's INI inventory, the parts fleets use: hosts before any section (ungrouped), `[group]` with one
 * host (or host range) a line and inline `key=value` vars, `[group:vars]` with `key=value` lines,
 * `[group:children]` with one group a line, `#` and `;` comments, quoted values ('..' or "..").
 * Every value is a string (Ansible reads host-line values as Python literals; host-vars.ts types them by
 * the recipe's schema instead). Not supported, and refused with the line: anything else in brackets.
 */
export function parseIniInventory(text: string, file: string): Inventory {
  const inv = emptyInventory(file, 'ini');
  let section: {group: string; kind: 'hosts' | 'vars' | 'children'} = {group: 'ungrouped', kind: 'hosts'};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const where = `${file}:${i + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (CONTROL.test(raw.replace(/\t/g, ' ').replace(/\r$/, '')))
      throw new InputError(`${where}: control characters are not allowed in an inventory`);
    const header = /^\[([^\]]*)\]\s*(?:[#;].*)?$/.exec(line);
    if (header) {
      const m = /^([A-Za-z0-9_.-]+)(?::(vars|children))?$/.exec(header[1]?.trim() ?? '');
      if (!m?.[1]) throw new InputError(`${where}: [${header[1]}] is not [group], [group:vars] or [group:children]`);
      section = {group: m[1], kind: (m[2] as 'vars' | 'children' | undefined) ?? 'hosts'};
      groupOf(inv, section.group);
      continue;
    }
    const tokens = tokenize(line, where);
    if (!tokens.length) continue;
    switch (section.kind) {
      case 'hosts': {
        const [pattern = '', ...rest] = tokens;
        if (pattern.includes('='))
          throw new InputError(`${where}: a host line starts with the host name, not ${pattern}`);
        const vars: Vars = {};
        for (const t of rest) {
          const [k, v] = keyValue(t, where);
          vars[k] = v;
        }
        for (const host of expandHostRange(pattern, where)) addHost(inv, section.group, host, vars);
        break;
      }
      case 'vars': {
        // `key=value`, `key = value`: the first = splits; the rest of the line is the value.
        const eq = line.indexOf('=');
        if (eq <= 0) throw new InputError(`${where}: expected key=value in [${section.group}:vars]`);
        const [k, v] = keyValue(`${line.slice(0, eq).trim()}=${line.slice(eq + 1).trim()}`, where);
        groupOf(inv, section.group).vars[k] = unquoteWhole(stripComment(v));
        break;
      }
      case 'children': {
        if (tokens.length !== 1 || !/^[A-Za-z0-9_.-]+$/.test(tokens[0] ?? ''))
          throw new InputError(`${where}: expected one group name a line in [${section.group}:children]`);
        addChild(inv, section.group, tokens[0] as string);
        break;
      }
      default:
        assertNever(section.kind, 'section');
    }
  }
  return finishInventory(inv);
}

function keyValue(token: string, where: string): [string, string] {
  const eq = token.indexOf('=');
  const k = eq > 0 ? token.slice(0, eq) : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    throw new InputError(`${where}: expected key=value, found ${JSON.stringify(token)}`);
  return [k, token.slice(eq + 1)];
}

/** Splits on whitespace outside quotes; quotes are removed; an unquoted `#` at a token start ends the line. */
function tokenize(line: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inToken = true;
    } else if (c === ' ' || c === '\t') {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else if (c === '#' && !inToken) {
      break;
    } else {
      cur += c;
      inToken = true;
    }
  }
  if (quote) throw new InputError(`${where}: unterminated ${quote} quote`);
  if (inToken) out.push(cur);
  return out;
}

function stripComment(v: string): string {
  if (v.startsWith('"') || v.startsWith("'")) return v;
  const m = /\s[#;]/.exec(v);
  return m ? v.slice(0, m.index).trimEnd() : v;
}

function unquoteWhole(v: string): string {
  const q = v[0];
  if ((q === '"' || q === "'") && v.length >= 2 && v.endsWith(q)) return v.slice(1, -1);
  return v;
}
