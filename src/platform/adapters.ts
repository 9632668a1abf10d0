import type {Action} from '../engine/types.js';
import type {Facts} from './facts.js';

/** The group whose members may sudo. */
export function sudoGroup(f: Facts): string {
  if (f.family === 'debian') return 'sudo';
  if (f.family === 'macos') return 'admin';
  return 'wheel';
}

/**
 * Reloading sshd the right way for the platform. Ubuntu's socket activation needs the generator to run
 * and the socket restarted, or a Port change never reaches the listener.
 */
export function sshReload(f: Facts, portChanged: boolean): Action[] {
  if (f.ssh.socketActivated) {
    return [
      {kind: 'service', op: 'daemon-reload', unit: 'ssh', init: f.init},
      {kind: 'service', op: 'restart-socket', unit: 'ssh', init: f.init},
      ...(portChanged ? [] : [{kind: 'service' as const, op: 'reload' as const, unit: f.ssh.unit, init: f.init}]),
    ];
  }
  return [{kind: 'service', op: 'reload', unit: f.ssh.unit, init: f.init}];
}

/** Shell lines that bring sshd back to its restored files (rollback side; must not depend on the wizard). */
export function sshReloadLines(f: Facts): string[] {
  if (f.init === 'launchd') return [];
  if (f.ssh.socketActivated) return ['sshd -t && systemctl daemon-reload && systemctl restart ssh.socket'];
  if (f.init === 'openrc') return [`sshd -t && rc-service ${f.ssh.unit} reload`];
  return [`sshd -t && systemctl reload ${f.ssh.unit}`];
}

/** Opens a TCP port in the firewall that is already active (none: nothing to open). Returns the action and its undo. */
export function openPortInActiveFirewall(f: Facts, port: number, why: string): {actions: Action[]; undo: string[]} {
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
        undo: [`ufw delete allow ${spec}`],
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
        undo: [`firewall-cmd --remove-port=${spec}`],
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
      };
    default:
      return {actions: [], undo: []};
  }
}
