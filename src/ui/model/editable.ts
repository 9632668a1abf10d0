import type {z} from 'zod';
import {valuesSchema} from '../../recipes/schema.js';
import type {Choice} from './questions.js';

/**
 * The recipe keys the step review offers to edit, per step. Kept here, next to the view models, so the
 * steps stay unaware of the wizard. admin_password is never offered: it would be typed in plain text.
 */
export const EDITABLE_KEYS: Readonly<Record<string, readonly string[]>> = {
  'admin-user': ['admin_user', 'admin_key', 'admin_sudo'],
  'ssh-hardening': [
    'ssh_port',
    'permit_root_login',
    'password_authentication',
    'allow_users',
    'max_auth_tries',
    'confirm_timeout',
  ],
  firewall: ['public_ports', 'firewall_allow_wireguard'],
  fail2ban: ['fail2ban_maxretry', 'fail2ban_findtime', 'fail2ban_bantime'],
  wireguard: ['wg_port', 'wg_subnet', 'peers'],
};

/** One editable recipe value: its text as `--set key=...` takes it (empty when not set), and what it means. */
export interface EditableValue {
  key: string;
  /** The current value as text; '' when the recipe leaves it to the default. */
  text: string;
  set: boolean;
  description: string;
  /** A value with a closed set of answers (an enum, a yes/no) is picked from a list, never typed. */
  choices?: readonly Choice[];
}

/** What each answer of a closed value trades away, where it matters; others are listed by name only. */
const TRADES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  admin_sudo: {
    keep: 'sudo stays as it is for an existing user (a new user must get one of the others)',
    password: 'sudo asks for the password: a stolen key alone is not root',
    nopasswd: 'no password to type, but any process running as the admin becomes root without asking',
  },
  permit_root_login: {
    no: 'root cannot log in over SSH at all; you use the admin and sudo',
    'prohibit-password': "root may log in with a key: a stolen root key is root, and root's logins are not named",
  },
  password_authentication: {
    false: 'keys only: password guessing gets nowhere',
    true: 'passwords accepted: what bots on the internet guess all day',
  },
};

/** The answers of a closed value (enum or boolean) from the schema; undefined for free text. */
function choicesOf(key: string, t: z.ZodType | undefined): Choice[] | undefined {
  let cur = t as unknown as {def: {type: string; innerType?: unknown; entries?: Record<string, string>}} | undefined;
  while (cur && (cur.def.type === 'optional' || cur.def.type === 'default')) cur = cur.def.innerType as typeof cur;
  const values =
    cur?.def.type === 'enum'
      ? Object.values(cur.def.entries ?? {})
      : cur?.def.type === 'boolean'
        ? ['false', 'true']
        : [];
  if (!values.length) return undefined;
  return values.map((value) => ({value, label: value, trade: TRADES[key]?.[value] ?? ''}));
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(String).join(',');
  return String(v);
}

/** The step's editable keys with the run's current values (what the engine passed to the step). */
export function editableValues(stepId: string, values: Record<string, unknown>): EditableValue[] {
  const shape = valuesSchema.shape as Record<string, z.ZodType>;
  return (EDITABLE_KEYS[stepId] ?? [])
    .filter((key) => key in shape && key !== 'admin_password')
    .map((key) => ({
      key,
      text: asText(values[key]),
      set: values[key] !== undefined,
      description: shape[key]?.description ?? '',
      ...(choicesOf(key, shape[key]) && {choices: choicesOf(key, shape[key])}),
    }));
}
