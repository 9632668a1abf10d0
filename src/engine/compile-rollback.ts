import type {RollbackAction, Tolerance} from '../core/types.js';
import {assertNever} from '../util/errors.js';
import {cmd, quote} from '../util/shell.js';
import {serviceLines} from './service-lines.js';

/** A step's rollback actions as the lines of its rollback.sh, one each (an action with nothing to run on this init system has none). */
export function compileRollback(actions: readonly RollbackAction[]): string[] {
  return actions.flatMap((a) => {
    const line = rollbackLine(a);
    return line ? [line] : [];
  });
}

function rollbackLine(a: RollbackAction): string {
  switch (a.kind) {
    case 'service':
      return tolerant(serviceLine(a), a);
    case 'sshd.reload':
      // Stopping the service removes its RuntimeDirectory, /run/sshd, without which `sshd -t` fails: made first.
      if (a.socket)
        return `mkdir -p /run/sshd && sshd -t && ${[...serviceLines('daemon-reload', a.unit, a.init), ...serviceLines('restart-socket', a.unit, a.init)].join(' && ')}`;
      return `sshd -t && ${serviceLines('reload', a.unit, a.init).join(' && ')}`;
    case 'run': {
      const line = cmd(a.argv);
      return tolerant(a.ifPresent ? `if [ -x ${quote(a.argv[0] ?? '')} ]; then ${line}; fi` : line, a);
    }
    case 'file.remove':
      return cmd(['rm', '-f', a.path]);
    case 'link.remove':
      return `! ip link show ${quote(a.iface)} >/dev/null 2>&1 || ip link delete dev ${quote(a.iface)}`;
    case 'user.remove': {
      const u = quote(a.user);
      if (!a.home) return `userdel ${u} 2>/dev/null || { sleep 1; pkill -KILL -u ${u}; userdel ${u}; } || true`;
      return `[ "\${SUDO_USER:-}" = ${u} ] || { pkill -KILL -u ${u}; sleep 0.5; }; userdel -r ${u} || { sleep 1; pkill -KILL -u ${u}; userdel -r ${u}; } || true`;
    }
    case 'home.remove':
      return `getent passwd ${quote(a.user)} >/dev/null || rm -rf -- ${quote(a.path)}`;
    case 'pf.release': {
      const t = quote(a.token);
      return `[ -s ${t} ] && pfctl -X "$(cat ${t})"; rm -f ${t}`;
    }
    case 'sequence':
      return compileRollback(a.actions).join('; ');
    default:
      return assertNever(a, 'rollback action');
  }
}

const tolerant = (line: string, t: Tolerance) =>
  line &&
  `${line}${t.quiet === 'stderr' ? ' 2>/dev/null' : t.quiet === 'all' ? ' >/dev/null 2>&1' : ''}${t.orTrue ? ' || true' : ''}`;

/** A service back the init system's way: systemd, OpenRC, else the `service` command (launchd has none to undo). */
function serviceLine(a: Extract<RollbackAction, {kind: 'service'}>): string {
  const {op, unit, init} = a;
  const one = (o: Parameters<typeof serviceLines>[0]) => serviceLines(o, unit, init).join(' && ');
  const reset = a.resetFailed && init === 'systemd' ? `${cmd(['systemctl', 'reset-failed', unit])}; ` : '';
  switch (op) {
    case 'restart':
    case 'try-restart':
    case 'stop':
    case 'daemon-reload':
      return init === 'launchd' ? '' : `${reset}${one(op)}`;
    case 'reload-or-restart':
      return `${one('reload')} || ${one('restart')}`;
    case 'disable':
      return init === 'openrc' ? cmd(['rc-update', 'del', unit, 'default']) : cmd(['systemctl', 'disable', unit]);
    case 'disable-now':
      return init === 'openrc'
        ? `${cmd(['rc-service', unit, 'stop'])}; ${cmd(['rc-update', 'del', unit, 'default'])}`
        : cmd(['systemctl', 'disable', '--now', unit]);
    case 'remove':
      // The service file may be gone already (restored: removed if new): OpenRC's own records go by hand then.
      return init === 'openrc'
        ? `${cmd(['rc-service', unit, 'stop'])} >/dev/null 2>&1; ${cmd(['rc-update', 'del', unit, 'default'])} >/dev/null 2>&1; ${cmd(['rm', '-f', `/etc/runlevels/default/${unit}`])}; [ -e ${quote(`/etc/init.d/${unit}`)} ] || ${cmd(['rm', '-f', `/run/openrc/started/${unit}`])}`
        : `${cmd(['systemctl', 'disable', '--now', unit])} 2>/dev/null`;
    default:
      return assertNever(op, 'rollback service op');
  }
}
