import {z} from 'zod';
import {CONTROL} from '../util/validate.js';

/**
 * One schema for every recipe. Values are the runbook's parameters; each step reads the ones it knows.
 * Every string that reaches a config file or a command is checked again by the step that uses it.
 */
const portNumber = z.number().int().min(1).max(65535);
const lineText = z
  .string()
  .max(500)
  .refine((s) => !CONTROL.test(s), 'must be one line without control characters');

/** fail2ban times: seconds, or a number with s, m, h, d or w (24h, 7d). */
const f2bTime = z.union([
  z.string().regex(/^[1-9][0-9]{0,6}[smhdw]?$/, 'a time like 600, 10m, 24h or 7d'),
  z.number().int().min(1),
]);

export const valuesSchema = z
  .object({
    admin_user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a login name: lowercase letters, digits, _ and -')
      .optional(),
    admin_key: lineText.optional(),
    admin_sudo: z.enum(['password', 'nopasswd', 'keep']).optional(),
    admin_password: lineText.optional(),
    ssh_port: portNumber.optional(),
    permit_root_login: z.enum(['no', 'prohibit-password']).optional(),
    password_authentication: z.boolean().optional(),
    allow_users: z.array(z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/)).optional(),
    allow_tcp_forwarding: z.boolean().optional(),
    allow_agent_forwarding: z.boolean().optional(),
    x11_forwarding: z.boolean().optional(),
    max_auth_tries: z.number().int().min(1).max(20).optional(),
    client_alive_interval: z.number().int().min(0).max(3600).optional(),
    client_alive_count_max: z.number().int().min(0).max(100).optional(),
    modern_crypto: z.boolean().optional(),
    confirm_timeout: z.number().int().min(15).max(3600).optional(),
    public_ports: z.array(z.string().regex(/^[0-9]{1,5}\/(tcp|udp)$/, 'like 443/tcp')).optional(),
    wg_subnet: z.string().max(50).optional(),
    peers: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'a peer name: letters, digits, . _ -'))
      .optional(),
    peers_remove: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'a peer name: letters, digits, . _ -'))
      .optional(),
    wg_port: portNumber.optional(),
    firewall_allow_wireguard: z.boolean().optional(),
    fail2ban_maxretry: z.number().int().min(1).max(100).optional(),
    fail2ban_findtime: f2bTime.optional(),
    fail2ban_bantime: f2bTime.optional(),
    fail2ban_recidive: z.boolean().optional(),
  })
  .strict();

export type RecipeValues = z.infer<typeof valuesSchema>;

export const recipeSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lowercase letters, digits and -'),
    description: lineText,
    steps: z.array(z.string().regex(/^[a-z0-9-]{1,40}$/)).min(1),
    values: valuesSchema.default({}),
  })
  .strict();

export type Recipe = z.infer<typeof recipeSchema>;
