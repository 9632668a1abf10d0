import {InputError} from '../util/errors.js';

/** More hosts than this from one pattern is a typo, not a fleet. */
const MAX_EXPANSION = 10_000;

/**
 * Ansible's host ranges: `web[01:50].example.com` (leading zeros kept), `db-[a:f]`, a stride
 * `[1:10:2]`, several ranges in one name. A name without brackets is itself.
 */
export function expandHostRange(pattern: string, where: string): string[] {
  const m = /^(.*?)\[([^\]]*)\](.*)$/.exec(pattern);
  if (!m) {
    if (!/^[A-Za-z0-9_.:-]{1,253}$/.test(pattern))
      throw new InputError(`${where}: ${JSON.stringify(pattern)} is not a host name (letters, digits, _ . : -)`);
    return [pattern];
  }
  const [, head = '', range = '', tail = ''] = m;
  const parts = range.split(':');
  if (parts.length < 2 || parts.length > 3)
    throw new InputError(`${where}: host range [${range}] is not [start:end] or [start:end:stride]`);
  const [from = '', to = '', strideText = '1'] = parts;
  if (!/^[1-9][0-9]{0,4}$/.test(strideText))
    throw new InputError(`${where}: host range stride ${strideText} is not a number`);
  const stride = Number(strideText);
  const values: string[] = [];
  if (/^[0-9]+$/.test(from) && /^[0-9]+$/.test(to)) {
    const width = from.length > 1 && from.startsWith('0') ? from.length : 0;
    const a = Number(from);
    const b = Number(to);
    if (b < a) throw new InputError(`${where}: host range [${range}] ends before it starts`);
    if ((b - a) / stride > MAX_EXPANSION) throw new InputError(`${where}: host range [${range}] is too large`);
    for (let i = a; i <= b; i += stride) values.push(width ? String(i).padStart(width, '0') : String(i));
  } else if (/^[a-z]$/.test(from) && /^[a-z]$/.test(to)) {
    const a = from.charCodeAt(0);
    const b = to.charCodeAt(0);
    if (b < a) throw new InputError(`${where}: host range [${range}] ends before it starts`);
    for (let i = a; i <= b; i += stride) values.push(String.fromCharCode(i));
  } else {
    throw new InputError(`${where}: host range [${range}] is neither numeric nor single letters`);
  }
  const out: string[] = [];
  for (const v of values) {
    for (const rest of expandHostRange(`${v}${tail}`, where)) {
      out.push(`${head}${rest}`);
      if (out.length > MAX_EXPANSION) throw new InputError(`${where}: host ranges expand to too many hosts`);
    }
  }
  return out;
}
