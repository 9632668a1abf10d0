import type {z} from 'zod';
import {valuesSchema} from '../../recipes/schema.js';

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
    }));
}
