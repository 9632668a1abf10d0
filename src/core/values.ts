import {InputError} from '../util/errors.js';
import {sshPublicKey} from '../util/validate.js';
import {banAddress, formatNet, parseNet, tooBroad} from './net.js';

/**
 * The recipe values of one run, typed and resolved once: keys keep their recipe names, defaults are filled
 * in and list values are in canonical form. The recipe schema (src/recipes/schema.ts) validates what is
 * given and checks at compile time that its keys and types match `GivenValues` (src/recipes/resolve.ts),
 * so the two cannot drift. Every step's `params` selects from this object; none reads a recipe itself.
 */
export interface RunValues {
  /** The recipe's name (journaled with the run). */
  recipe: string;
  /** Given, or (once the facts are read) the non-root account the run logs in as. */
  admin_user?: string;
  admin_key?: string;
  admin_sudo: 'password' | 'nopasswd' | 'keep';
  admin_password?: string;
  ssh_port?: number;
  permit_root_login: 'no' | 'prohibit-password';
  password_authentication: boolean;
  /** Given, or the admin user and the non-root login (once the facts are read). */
  allow_users: string[];
  allow_tcp_forwarding: boolean;
  allow_agent_forwarding: boolean;
  x11_forwarding: boolean;
  max_auth_tries: number;
  client_alive_interval: number;
  client_alive_count_max: number;
  modern_crypto: boolean;
  confirm_timeout: number;
  public_ports: string[];
  /** Given, or derived from the target before the first step (the wireguard step's `derives`). */
  wg_subnet?: string;
  peers: string[];
  peers_remove: string[];
  wg_port: number;
  wg_endpoint?: string;
  tunnel_ports: string[];
  firewall_allow_wireguard: boolean;
  fail2ban_maxretry: number;
  fail2ban_findtime: string | number;
  fail2ban_bantime: string | number;
  fail2ban_recidive: boolean;
  updates_reboot: boolean;
  watch: boolean;
  watch_interval: string;
  watch_webhook?: string;
  service_unit?: string;
  service_user?: string;
  service_shell: string;
  service_port?: number;
  service_health_path?: string;
  /** Unset: no sudo rule is managed; [] removes ours. Deduplicated; ALL alone when it is there. */
  sudo_commands?: string[];
  sudo_nopasswd_all: boolean;
  /** Deduplicated. */
  harden_units: string[];
  harden_network: 'outbound' | 'tunnel-only';
  evidence_dir?: string;
  evidence_days: number;
  /** Canonical networks, deduplicated. */
  lockdown_allow_from: string[];
  docker_allow_from: string[];
  docker_bind_localhost: boolean;
  /** Canonical single addresses, deduplicated. */
  ban: string[];
  terminate_sessions: boolean;
  team_file?: string;
  /**
   * The values as given (recipe, answers file, `--set`, the operator's edits, and the values derived from
   * the target), before defaults: what an answers file saves and what the review shows as set.
   */
  given: GivenValues;
}

/** The keys a recipe may set. */
export type ValueKey = Exclude<keyof RunValues, 'recipe' | 'given'>;

/** What a recipe, an answers file and `--set` give: any recipe key, unresolved. */
export type GivenValues = {[K in ValueKey]?: RunValues[K]};

/** How the run works, not what it does to the server: never a recipe value. */
export interface RunSettings {
  /** The host the run connects to (client configs and peer keys are kept under its name). */
  targetHost: string;
  /** The wizard (or plain lines) asks the operator step by step. */
  interactive: boolean;
  /** Headless --connect-tunnel: the run brings the tunnel up on this machine itself. */
  connectTunnel: boolean;
  /** The operator's own WireGuard peer is added (`peers add` and `peers remove` leave it out). */
  ownPeer: boolean;
}

/** A member of the team file (src/team/team-file.ts reads and checks it). */
export interface TeamMember {
  name: string;
  /** The member's SSH public key, normalised; absent only for a member who left. */
  key?: string;
  groups: string[];
  state: 'active' | 'left';
}

export interface Team {
  file: string;
  members: TeamMember[];
}

/**
 * What the run reads on the operator's machine besides the recipe: the team file (read and checked before
 * connecting), and what the steps' prepare phase loads once the facts are known (engine/prepare.ts).
 */
export interface Prepared {
  team?: Team;
  /** Public keys of WireGuard peers held on this machine (created for an apply, only read for a plan). */
  peerKeys: Readonly<Record<string, string>>;
  /** The server's endpoint remembered on this machine from an earlier run. */
  endpoint?: {host: string; port?: number};
}

/** Everything a step's `params` selects from besides the values and the facts. */
export interface RunContext {
  settings: RunSettings;
  prepared: Prepared;
}

export const DEFAULT_SETTINGS: RunSettings = {targetHost: '', interactive: false, connectTunnel: false, ownPeer: true};

/** The run context of a plan or apply: settings with their defaults, nothing prepared yet but the team. */
export function runContext(settings: Partial<RunSettings> = {}, team?: Team): RunContext {
  return {settings: {...DEFAULT_SETTINGS, ...settings}, prepared: {peerKeys: {}, ...(team ? {team} : {})}};
}

/** Values the resolver reads only together with another one: a recipe that reads the first takes the rest too. */
export const READ_WITH: Readonly<Partial<Record<ValueKey, readonly ValueKey[]>>> = {
  sudo_commands: ['sudo_nopasswd_all'],
};

/** sudo_commands entry meaning every command (only with sudo_nopasswd_all). */
export const SUDO_ALL = 'ALL';
export const NOLOGIN = '/usr/sbin/nologin';

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

function lockdownSource(s: string): string {
  const n = parseNet(s, 'lockdown_allow_from entry');
  if (tooBroad(n))
    throw new InputError(
      `lockdown_allow_from entry ${JSON.stringify(s)} lets in (almost) everyone, which is no lockdown; name your own networks`,
    );
  return formatNet(n);
}

/**
 * The one resolver: given values (each already checked by the schema) in, the run's typed values out,
 * with every default and canonical form, and the checks no single value can make (several values
 * together). Throws InputError: the run stops before connecting (exit 2). `login`, once the facts are read,
 * is the account the run logs in as: a non-root login is the admin user when none is given.
 */
export function resolveValues(given: GivenValues, recipe = '', login?: string): RunValues {
  const g = given;
  const both = (g.peers_remove ?? []).filter((p) => (g.peers ?? []).includes(p));
  if (both.length) throw new InputError(`peer ${both[0]} is both in peers and in peers_remove: add it or revoke it`);
  if (g.sudo_commands?.includes(SUDO_ALL) && g.sudo_nopasswd_all !== true)
    throw new InputError(
      'sudo_commands ALL gives the service account root without a password: say so with sudo_nopasswd_all=true, or list the commands it needs',
    );
  const sudo = g.sudo_commands && (g.sudo_commands.includes(SUDO_ALL) ? [SUDO_ALL] : unique(g.sudo_commands));
  const user = login && login !== 'root' ? login : undefined;
  const admin = g.admin_user ?? user;
  return {
    ...g,
    recipe,
    admin_user: admin,
    allow_users: g.allow_users ?? unique([admin, user].filter((u): u is string => u !== undefined)),
    ...(g.admin_key !== undefined ? {admin_key: sshPublicKey(g.admin_key, 'admin_key')} : {}),
    admin_sudo: g.admin_sudo ?? 'keep',
    permit_root_login: g.permit_root_login ?? 'no',
    password_authentication: g.password_authentication ?? false,
    allow_tcp_forwarding: g.allow_tcp_forwarding ?? false,
    allow_agent_forwarding: g.allow_agent_forwarding ?? false,
    x11_forwarding: g.x11_forwarding ?? false,
    max_auth_tries: g.max_auth_tries ?? 3,
    client_alive_interval: g.client_alive_interval ?? 300,
    client_alive_count_max: g.client_alive_count_max ?? 2,
    modern_crypto: g.modern_crypto ?? true,
    confirm_timeout: g.confirm_timeout ?? 120,
    public_ports: g.public_ports ?? [],
    peers: unique(g.peers ?? []),
    peers_remove: unique(g.peers_remove ?? []),
    wg_port: g.wg_port ?? 51820,
    tunnel_ports: g.tunnel_ports ?? [],
    firewall_allow_wireguard: g.firewall_allow_wireguard ?? true,
    fail2ban_maxretry: g.fail2ban_maxretry ?? 3,
    fail2ban_findtime: g.fail2ban_findtime ?? '24h',
    fail2ban_bantime: g.fail2ban_bantime ?? '24h',
    fail2ban_recidive: g.fail2ban_recidive ?? true,
    updates_reboot: g.updates_reboot ?? false,
    watch: g.watch ?? false,
    watch_interval: g.watch_interval ?? '15m',
    service_shell: g.service_shell ?? NOLOGIN,
    ...(sudo ? {sudo_commands: sudo} : {}),
    sudo_nopasswd_all: g.sudo_nopasswd_all ?? false,
    harden_units: unique(g.harden_units ?? []),
    harden_network: g.harden_network ?? 'outbound',
    evidence_days: g.evidence_days ?? 7,
    lockdown_allow_from: unique((g.lockdown_allow_from ?? []).map(lockdownSource)),
    docker_allow_from: g.docker_allow_from ?? [],
    docker_bind_localhost: g.docker_bind_localhost ?? false,
    ban: unique((g.ban ?? []).map(banAddress)),
    terminate_sessions: g.terminate_sessions ?? false,
    given,
  };
}

/** The values again with more given (the operator's edits, values derived from the target). */
export function withGiven(values: RunValues, more: GivenValues, login?: string): RunValues {
  return resolveValues({...values.given, ...more}, values.recipe, login);
}
