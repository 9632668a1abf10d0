import type {InitSystem} from '../core/facts.js';
import type {ServiceOp} from '../core/types.js';
import {assertNever} from '../util/errors.js';
import {cmd, quote} from '../util/shell.js';

/** The shell lines of a service operation on the target's init system (applied actions and rollbacks alike). */
export function serviceLines(op: ServiceOp | 'stop' | 'try-restart', unit: string, init: InitSystem): string[] {
  if (init === 'systemd') {
    switch (op) {
      case 'daemon-reload':
        return ['systemctl daemon-reload'];
      case 'restart-socket':
        // The running sshd holds the listening sockets it was handed: stopped first (KillMode=process keeps
        // every session), or the socket cannot bind its ports again and ends up inactive.
        return [cmd(['systemctl', 'stop', `${unit}.service`]), cmd(['systemctl', 'restart', `${unit}.socket`])];
      case 'enable-now':
        return [cmd(['systemctl', 'enable', '--now', unit])];
      case 'enable':
        return [cmd(['systemctl', 'enable', unit])];
      case 'reload':
      case 'restart':
      case 'start':
      case 'stop':
      case 'try-restart':
        return [cmd(['systemctl', op, unit])];
      default:
        return assertNever(op, 'service op');
    }
  }
  if (init === 'openrc') {
    if (op === 'enable-now')
      return [`${cmd(['rc-update', 'add', unit, 'default'])} && ${cmd(['rc-service', unit, 'start'])}`];
    if (op === 'enable') return [cmd(['rc-update', 'add', unit, 'default'])];
    if (op === 'daemon-reload' || op === 'restart-socket') return [];
    return [cmd(['rc-service', unit, op])];
  }
  if (init === 'launchd') {
    // launchd's sshd is inetd-style: each connection reads the config anew, so there is nothing to reload.
    if (unit === 'com.openssh.sshd') return ['true # macOS sshd reads its config on every new connection'];
    if (op === 'enable') return [cmd(['launchctl', 'enable', `system/${unit}`])];
    return [cmd(['launchctl', 'kickstart', '-k', `system/${unit}`])];
  }
  if (op === 'enable') return [`true # no boot configuration for ${quote(unit)} on this init system`];
  return [cmd(['service', unit, op === 'enable-now' ? 'start' : op])];
}
