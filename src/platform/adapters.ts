import type {Facts} from '../core/facts.js';
import type {Action, RollbackAction} from '../core/types.js';
import {assertNever} from '../util/errors.js';

/** The group whose members may sudo. */
export function sudoGroup(f: Facts): string {
  if (f.family === 'debian') return 'sudo';
  if (f.family === 'macos') return 'admin';
  return 'wheel';
}

/**
 * Reloading sshd the right way for the platform. Under socket activation the socket owns the listening
 * ports: daemon-reload (Ubuntu's generator re-reads Port; our socket drop-in is read), the running sshd
 * stopped (it holds the old sockets; sessions survive) and the socket restarted. The next connection
 * starts sshd with the new configuration, so there is nothing left to reload.
 */
export function sshReload(f: Facts, _portChanged: boolean): Action[] {
  if (socketActivation(f)) {
    return [
      {kind: 'service', op: 'daemon-reload', unit: f.ssh.unit, init: f.init},
      {kind: 'service', op: 'restart-socket', unit: f.ssh.unit, init: f.init},
    ];
  }
  return [{kind: 'service', op: 'reload', unit: f.ssh.unit, init: f.init}];
}

const socketActivation = (f: Facts) => f.ssh.socketActivated && f.init === 'systemd';

/**
 * The drop-in that moves ssh.socket's ports where no generator does it from sshd_config (Debian with
 * ssh.socket enabled); undefined where sshd listens itself or Ubuntu's generator follows Port.
 */
export function sshSocketDropin(f: Facts): string | undefined {
  return socketActivation(f) && !f.ssh.socketGenerator
    ? `/etc/systemd/system/${f.ssh.unit}.socket.d/00-portcullis.conf`
    : undefined;
}

/** sshd back on its restored files (rollback side; must not depend on the wizard). launchd's reads them anew itself. */
export function sshReloadBack(f: Facts): RollbackAction[] {
  if (f.init === 'launchd') return [];
  return [{kind: 'sshd.reload', unit: f.ssh.unit, init: f.init, socket: socketActivation(f)}];
}

/**
 * Opens a TCP port in the firewall that is already active (none: nothing to open). Returns the actions (taking
 * effect now), their undo, and what makes them survive a reload or a reboot (`persist`, run once proven).
 */
export function openPortInActiveFirewall(
  f: Facts,
  port: number,
  why: string,
): {actions: Action[]; undo: RollbackAction[]; persist: Action[]} {
  const spec = `${port}/tcp`;
  switch (f.firewall.active) {
    case 'ufw':
      return {
        actions: [
          {
            kind: 'firewall.rule',
            backend: 'ufw',
            rule: `allow ${spec} (${why})`,
            argv: ['ufw', 'allow', spec, 'comment', `portcullis: ${why}`],
          },
        ],
        undo: [{kind: 'run', argv: ['ufw', 'delete', 'allow', spec]}],
        persist: [],
      };
    case 'firewalld':
      return {
        actions: [
          {
            kind: 'firewall.rule',
            backend: 'firewalld',
            rule: `add port ${spec} (${why})`,
            argv: ['firewall-cmd', `--add-port=${spec}`],
          },
        ],
        undo: [{kind: 'run', argv: ['firewall-cmd', `--remove-port=${spec}`]}],
        // A runtime-only port is gone at the next `firewall-cmd --reload` (a later step's rollback, fail2ban)
        // or reboot, with sshd listening there alone: persisted once proven, in the zone file the before-image
        // restores byte for byte.
        persist: f.firewall.firewalldZone
          ? [
              {
                kind: 'firewall.rule',
                backend: 'firewalld',
                rule: `persist: add port ${spec} to zone ${f.firewall.firewalldZone} (${why})`,
                argv: ['firewall-cmd', '--permanent', `--zone=${f.firewall.firewalldZone}`, `--add-port=${spec}`],
                touches: [`/etc/firewalld/zones/${f.firewall.firewalldZone}.xml`],
              },
            ]
          : [],
      };
    case 'nftables':
      return {
        actions: [
          {
            kind: 'firewall.rule',
            backend: 'nftables',
            rule: `accept ${spec} (${why})`,
            argv: [
              'sh',
              '-c',
              'nft list chain inet portcullis input >/dev/null 2>&1 && nft add rule inet portcullis input tcp dport "$1" accept comment "$2" || true',
              'sh',
              String(port),
              `portcullis: ${why}`,
            ],
          },
        ],
        undo: [],
        persist: [],
      };
    case 'pf':
    case 'none':
      return {actions: [], undo: [], persist: []};
    default:
      return assertNever(f.firewall.active, 'firewall');
  }
}
