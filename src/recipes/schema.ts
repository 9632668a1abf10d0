import {z} from 'zod';
import {parsePortSpec, parseTunnelPort} from '../core/firewall-policy.js';
import {parseNet, tooBroad} from '../core/net.js';
import type {GivenValues} from '../core/values.js';
import {dockerAllowEntry} from '../render/docker-user.js';
import {agentUnit, httpPath, shellPath, sudoCommand} from '../units/values.js';
import {CONTROL, plainText, sshPublicKey} from '../util/validate.js';
import {parseEndpoint} from '../wg/endpoint-value.js';
import {parseSubnet} from '../wg/subnet.js';
import {addressOrNetwork, ipOnly} from './net-values.js';

/**
 * One schema for every recipe. Values are the runbook's parameters; each step reads the ones it knows.
 * Every string that reaches a config file or a command is checked again by the step that uses it.
 */
const portNumber = z.number().int().min(1).max(65535);
const lineText = z
  .string()
  .max(500)
  .refine((s) => !CONTROL.test(s), 'must be one line without control characters');

/**
 * A value also checked by the validator its step uses, here, before connecting: the validator's own
 * one-line message becomes the issue (exit 2 with nothing changed, never a refusal halfway through a run).
 */
function checkedBy<T extends z.ZodType<string>>(schema: T, check: (s: string) => unknown): T {
  return schema.superRefine((s, ctx) => {
    try {
      check(s);
    } catch (e) {
      ctx.addIssue({code: 'custom', message: (e as Error).message});
    }
  }) as unknown as T;
}

/** fail2ban times: seconds, or a number with s, m, h, d or w (24h, 7d). */
const f2bTime = z.union([
  z.string().regex(/^[1-9][0-9]{0,6}[smhdw]?$/, 'a time like 600, 10m, 24h or 7d'),
  z.number().int().min(1).max(9_999_999, 'at most 9999999 seconds (write longer times like 7d or 52w)'),
]);

export const valuesSchema = z
  .object({
    admin_user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a login name: lowercase letters, digits, _ and -')
      .optional()
      .describe(
        'the sudo user who stays able to log in (default: the non-root user you log in as; required when you log in as root)',
      ),
    admin_key: checkedBy(lineText, (k) => sshPublicKey(k, 'admin_key'))
      .optional()
      .describe("SSH public key for admin_user (default: the key this session used, from root's authorized_keys)"),
    admin_sudo: z
      .enum(['password', 'nopasswd', 'keep'])
      .optional()
      .describe(
        'keep (default), password (set admin_password) or nopasswd (explicit consent: root without a password)',
      ),
    admin_password: checkedBy(lineText, (v) => plainText(v, 'admin_password'))
      .optional()
      .describe('sudo password to set for a new admin_user; never saved to answers files'),
    ssh_port: portNumber
      .optional()
      .describe('move SSH to this port; the old one closes only after the new one is proven (default: keep)'),
    permit_root_login: z.enum(['no', 'prohibit-password']).optional().describe('no (default) or prohibit-password'),
    password_authentication: z.boolean().optional().describe('false (default): key-only logins'),
    allow_users: z
      .array(z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a login name: lowercase letters, digits, _ and -'))
      .min(
        1,
        'an empty list would drop the AllowUsers line and let every account log in; leave allow_users out for the default',
      )
      .optional()
      .describe('AllowUsers list (default: admin_user and the non-root user you log in as)'),
    allow_tcp_forwarding: z.boolean().optional().describe('false (default)'),
    allow_agent_forwarding: z.boolean().optional().describe('false (default)'),
    x11_forwarding: z.boolean().optional().describe('false (default)'),
    max_auth_tries: z.number().int().min(1).max(20).optional().describe('3 (default)'),
    client_alive_interval: z.number().int().min(0).max(3600).optional().describe('300 seconds (default)'),
    client_alive_count_max: z.number().int().min(0).max(100).optional().describe('2 (default)'),
    modern_crypto: z
      .boolean()
      .optional()
      .describe(
        'true (default): KexAlgorithms/Ciphers/MACs/HostKeyAlgorithms ssh-audit does not fail, gated on the OpenSSH version',
      ),
    confirm_timeout: z
      .number()
      .int()
      .min(15)
      .max(3600)
      .optional()
      .describe('dead-man window in seconds for risky steps: 120 (default)'),
    public_ports: z
      .array(checkedBy(z.string().regex(/^[0-9]{1,5}\/(tcp|udp)$/, 'like 443/tcp'), (v) => parsePortSpec(v)))
      .optional()
      .describe('ports that stay public, like 443/tcp (default: none)'),
    wg_subnet: checkedBy(z.string().max(50), (v) => parseSubnet(v))
      .optional()
      .describe('tunnel network (default: a free /24 in 10.x, 10.66.0.0/24 when free)'),
    peers: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'a peer name: letters, digits, . _ -'))
      .optional()
      .describe('WireGuard peers to add besides your own (default: none)'),
    peers_remove: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'a peer name: letters, digits, . _ -'))
      .optional()
      .describe('WireGuard peers to revoke'),
    wg_port: portNumber.optional().describe('WireGuard UDP port: 51820 (default)'),
    wg_endpoint: checkedBy(
      z
        .string()
        .max(260)
        .regex(
          /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$/,
          'HOST or HOST:PORT',
        ),
      (v) => parseEndpoint(v),
    )
      .optional()
      .describe(
        "the server's public address in client configs, HOST or HOST:PORT (default: the address the run came in on, remembered on your machine for runs through the tunnel)",
      ),
    tunnel_ports: z
      .array(
        checkedBy(
          z
            .string()
            .regex(
              /^[0-9]{1,5}\/(tcp|udp)(@[A-Za-z0-9][A-Za-z0-9_.-]{0,31}(\+[A-Za-z0-9][A-Za-z0-9_.-]{0,31})*)?$/,
              'like 8080/tcp, or 8080/tcp@alice+phone for those peers only',
            ),
          (v) => parseTunnelPort(v),
        ),
      )
      .optional()
      .describe(
        "the server's own services let in only through the tunnel (interface wg0), like 8080/tcp, or 8080/tcp@alice+phone for those peers only (default: none)",
      ),
    firewall_allow_wireguard: z
      .boolean()
      .optional()
      .describe("true (default): the firewall lets WireGuard's UDP port in"),
    fail2ban_maxretry: z.number().int().min(1).max(100).optional().describe('sshd jail: 3 failures (default)'),
    fail2ban_findtime: f2bTime.optional().describe('sshd jail window: 24h (default)'),
    fail2ban_bantime: f2bTime.optional().describe('sshd jail ban: 24h (default)'),
    fail2ban_recidive: z.boolean().optional().describe('true (default): 2 bans in 7d ban for 30d'),
    updates_reboot: z
      .boolean()
      .optional()
      .describe('false (default): automatic security updates never reboot; true: when an update needs it'),
    watch: z.boolean().optional().describe('false (default): true installs the posture watch on the server'),
    watch_interval: z
      .string()
      .regex(/^[1-9][0-9]{0,4}[smh]$/, 'like 30s, 15m or 1h')
      .optional()
      .describe('how often the watch compares the posture: 15m (default)'),
    watch_webhook: z
      .string()
      .max(500)
      .regex(/^https?:\/\/[A-Za-z0-9._~:/?#[\]@!$&()*+,;=%-]+$/, 'one http(s) URL without spaces or quotes')
      .optional()
      .describe('where the watch POSTs drift as JSON (default: the journal only)'),
    // The agent's own service: its account, its sudo rules, its sandbox; each kept only if it still answers.
    service_unit: checkedBy(z.string().max(130), (v) => agentUnit(v, 'service_unit'))
      .optional()
      .describe("the agent's systemd unit, like openclaw-gateway.service (service-user, harden-units)"),
    service_user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a login name: lowercase letters, digits, _ and -')
      .refine((v) => v !== 'root', 'root is no service account')
      .optional()
      .describe('the account service_unit runs as: made when missing, with no password and no login shell'),
    service_shell: checkedBy(z.string().max(110), (v) => shellPath(v))
      .optional()
      .describe('login shell of service_user: /usr/sbin/nologin (default)'),
    service_port: portNumber
      .optional()
      .describe(
        'the port service_unit answers on: its health check (a TCP connect through the tunnel) after every change',
      ),
    service_health_path: checkedBy(z.string().max(210), (v) => httpPath(v))
      .optional()
      .describe('with service_port: an HTTP GET of this path must answer below 400 instead (like /healthz)'),
    sudo_commands: z
      .array(checkedBy(z.string().max(4000), (v) => sudoCommand(v)))
      .max(50)
      .optional()
      .describe(
        'commands service_user may run as root without a password, like /usr/bin/systemctl restart x.service (default: no sudo rule; [] removes ours)',
      ),
    sudo_nopasswd_all: z
      .boolean()
      .optional()
      .describe('false (default): true lets sudo_commands be ALL, root without a password for the agent'),
    harden_units: z
      .array(checkedBy(z.string().max(130), (v) => agentUnit(v, 'harden_units entry')))
      .max(20)
      .optional()
      .describe('units to sandbox with a drop-in of the systemd directives each still runs with (default: none)'),
    harden_network: z
      .enum(['outbound', 'tunnel-only'])
      .optional()
      .describe(
        'outbound (default): no IP allow-list; tunnel-only: harden_units talk to loopback and the tunnel only, both ways',
      ),
    // incident-lockdown: evidence first, then SSH only from the operator (and the tunnel), passwords off.
    evidence_dir: lineText
      .refine((s) => s.startsWith('/'), 'an absolute directory path')
      .optional()
      .describe('where evidence bundles go on your machine (default: $XDG_STATE_HOME/portcullis/evidence)'),
    evidence_days: z
      .number()
      .int()
      .min(1)
      .max(90)
      .optional()
      .describe('look-back for changed units and auth failures: 7 days (default)'),
    lockdown_allow_from: z
      .array(
        checkedBy(addressOrNetwork, (v) => {
          if (tooBroad(parseNet(v, 'lockdown_allow_from entry')))
            throw new Error('lets in (almost) everyone, which is no lockdown; name your own networks');
        }),
      )
      .max(50)
      .optional()
      .describe('addresses or networks that keep SSH during a lockdown besides yours and the tunnel (default: none)'),
    docker_allow_from: z
      .array(checkedBy(addressOrNetwork, (v) => dockerAllowEntry(v)))
      .max(50)
      .optional()
      .describe(
        'docker-firewall: IPv4 addresses or networks that reach ports Docker publishes, besides the tunnel (default: none)',
      ),
    docker_bind_localhost: z
      .boolean()
      .optional()
      .describe(
        'docker-firewall: false (default); true writes "ip": "127.0.0.1" to /etc/docker/daemon.json (containers created after Docker restarts only)',
      ),
    ban: z.array(ipOnly).max(1000).optional().describe('addresses to ban during a lockdown (default: none)'),
    terminate_sessions: z
      .boolean()
      .optional()
      .describe('false (default): true ends every other SSH session; yours (SSH_CONNECTION) is never ended'),
    // team-onboarding: accounts, keys and WireGuard peers from a team file on the operator's machine.
    team_file: lineText
      .optional()
      .describe('YAML team file on your machine: members with name, key, groups, state (active or left)'),
  })
  .strict();

export type RecipeValues = z.infer<typeof valuesSchema>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/**
 * The schema's values are the run's given values (core/values.ts `GivenValues`), key for key and type for
 * type: a key added to one and not the other, or typed differently, fails to compile.
 */
export type SchemaMatchesRunValues = Assert<Same<RecipeValues, GivenValues>>;

export const recipeSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lowercase letters, digits and -'),
    description: lineText,
    steps: z.array(z.string().regex(/^[a-z0-9-]{1,40}$/)).min(1),
    values: valuesSchema.default({}),
  })
  .strict();

export type Recipe = z.infer<typeof recipeSchema>;
