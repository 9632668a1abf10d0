import type {Facts} from '../core/facts.js';
import type {RollbackAction} from '../core/types.js';

/**
 * How wg-quick runs as a service on the target's init system. systemd: the stock `wg-quick@IFACE` unit with a
 * drop-in of ours. OpenRC: a service script of ours, `wg-quick.IFACE` (the name Alpine's wg-quick init script
 * uses; Debian ships none), which does the same: up/down by wg-quick, reload by `wg syncconf` with the key file.
 */
export interface WgService {
  /** Service name as the init system knows it (for `service` actions). */
  unit: string;
  /** The file of ours that makes the service what we need (systemd drop-in or OpenRC script). */
  file: string;
  content: string;
  mode: number;
  /** After the file changes, a daemon-reload is needed (systemd). */
  reloadManager: boolean;
  /** Prints `active` when the service runs. */
  activeQuery: string;
  /** Rollback: the service stopped and disabled (its files already restored), the interface removed. */
  disable: RollbackAction;
  /** Rollback: the service back on its restored config. */
  reload: RollbackAction;
}

export function wgService(f: Facts, iface: string, keyFile: string, userspace: boolean): WgService {
  const syncconf = `exec wg syncconf ${iface} <(wg-quick strip ${iface}; echo "[Interface]"; echo "PrivateKey = $(cat ${keyFile})")`;
  const down = (unit: string): RollbackAction => ({
    kind: 'sequence',
    actions: [
      {kind: 'service', op: 'remove', unit, init: f.init},
      {kind: 'link.remove', iface},
    ],
  });
  const reload = (unit: string): RollbackAction => ({kind: 'service', op: 'reload-or-restart', unit, init: f.init});
  if (f.init === 'openrc') {
    const unit = `wg-quick.${iface}`;
    const content = [
      '#!/sbin/openrc-run',
      '# Managed by portcullis.',
      `description="WireGuard ${iface} (wg-quick)"`,
      'extra_started_commands="reload"',
      'depend() { after net firewall ufw nftables; }',
      ...(userspace ? ['export WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go'] : []),
      `start() { ebegin "Starting WireGuard ${iface}"; wg-quick up ${iface}; eend $?; }`,
      `stop() { ebegin "Stopping WireGuard ${iface}"; wg-quick down ${iface}; eend $?; }`,
      `reload() { ebegin "Reloading WireGuard ${iface}"; /bin/bash -c '${syncconf}'; eend $?; }`,
      '',
    ].join('\n');
    return {
      unit,
      file: `/etc/init.d/${unit}`,
      content,
      mode: 0o755,
      reloadManager: false,
      activeQuery: `rc-service ${unit} status >/dev/null 2>&1 && echo active || echo inactive`,
      disable: down(unit),
      reload: reload(unit),
    };
  }
  const unit = `wg-quick@${iface}`;
  const content = [
    '# Managed by portcullis.',
    '[Service]',
    ...(userspace ? ['Environment=WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go'] : []),
    'ExecReload=',
    // %i is the unit's instance (the interface); $$ is systemd's escape of $.
    `ExecReload=/bin/bash -c 'exec wg syncconf %i <(wg-quick strip %i; echo "[Interface]"; echo "PrivateKey = $$(cat ${keyFile.replace(`/${iface}.`, '/%i.')})")'`,
    '',
  ].join('\n');
  return {
    unit,
    file: `/etc/systemd/system/${unit}.service.d/portcullis.conf`,
    content,
    mode: 0o644,
    reloadManager: true,
    activeQuery: `systemctl is-active ${unit}`,
    disable: down(unit),
    reload: reload(unit),
  };
}
