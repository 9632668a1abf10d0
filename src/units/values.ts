import {SUDO_ALL} from '../core/values.js';
import {InputError} from '../util/errors.js';

/**
 * Validators of the agent-service values (service_user, sudo_commands, harden_units). Each returns the
 * value when it may reach a unit file, a sudoers line or an argv, and throws InputError naming `what`.
 */

/** A systemd service name: no path, no leading '-' (never an option), no shell or config characters. */
export function unitName(value: string, what = 'unit'): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9:_.@-]{0,120}\.service$/.test(value))
    throw new InputError(
      `${what} ${JSON.stringify(value)} is not a service unit name (letters, digits, : _ . @ -, ending in .service)`,
    );
  return value;
}

/**
 * Units that carry the way in or the machine itself: sandboxing them, or running them as a service account,
 * can lock the operator out where the unit's health check (active, listening) still passes.
 */
const WAY_IN =
  /^(ssh|sshd|sshd@.*|wg-quick@.*|systemd-.*|dbus|dbus-broker|networking|NetworkManager|ufw|nftables|firewalld|iptables|netfilter-persistent|fail2ban|user@.*|getty@.*|serial-getty@.*|cron|portcullis-.*)\.service$/;

/** unitName, and not a unit the operator's way in depends on. */
export function agentUnit(value: string, what: string): string {
  unitName(value, what);
  if (WAY_IN.test(value))
    throw new InputError(
      `${what} ${value}: a unit your way in or the system depends on is never sandboxed or moved to a service account by portcullis (its health check would pass while logins fail)`,
    );
  return value;
}

/** The sudo rule that gives everything: only with sudo_nopasswd_all=true. */
export {SUDO_ALL};

/**
 * One command a service account may run as root: an absolute path and plain arguments. Commas, colons,
 * '=' and backslashes are sudoers syntax and wildcards widen a rule: none of them is allowed.
 */
export function sudoCommand(value: string, what = 'sudo_commands entry'): string {
  if (value === SUDO_ALL) return value;
  if (!/^\/[A-Za-z0-9._+/-]{1,200}( [A-Za-z0-9._+/@-]{1,200}){0,20}$/.test(value) || /(^|\/)\.\.(\/|$| )/.test(value))
    throw new InputError(
      `${what} ${JSON.stringify(value)}: give an absolute command path and plain arguments (letters, digits, . _ + / @ -, one space apart), or ALL`,
    );
  return value;
}

/** An absolute login shell path, like /usr/sbin/nologin or /bin/bash. */
export function shellPath(value: string, what = 'service_shell'): string {
  if (!/^\/[A-Za-z0-9._/-]{1,100}$/.test(value) || value.includes('..'))
    throw new InputError(`${what} ${JSON.stringify(value)} is not an absolute shell path like /usr/sbin/nologin`);
  return value;
}

/** The path part of an HTTP health URL: starts with '/', no spaces, quotes or control characters. */
export function httpPath(value: string, what = 'service_health_path'): string {
  if (!/^\/[A-Za-z0-9._~/?=&%+-]{0,200}$/.test(value))
    throw new InputError(`${what} ${JSON.stringify(value)} is not a URL path like /healthz`);
  return value;
}
