import {describe, expect, it} from 'vitest';
import {compileRollback} from '../../src/engine/compile-rollback.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {wgService} from '../../src/platform/wireguard-service.js';

describe('wgService: wg-quick as a service of the init system', () => {
  it('systemd: the stock wg-quick@ unit with our drop-in (reload gives wg syncconf the key file back)', () => {
    const s = wgService(profileFacts('debian-12'), 'wg0', '/etc/wireguard/wg0.key', true);
    expect(s.unit).toBe('wg-quick@wg0');
    expect(s.file).toBe('/etc/systemd/system/wg-quick@wg0.service.d/portcullis.conf');
    expect(s.content).toBe(
      [
        '# Managed by portcullis.',
        '[Service]',
        'Environment=WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go',
        'ExecReload=',
        `ExecReload=/bin/bash -c 'exec wg syncconf %i <(wg-quick strip %i; echo "[Interface]"; echo "PrivateKey = $$(cat /etc/wireguard/%i.key)")'`,
        '',
      ].join('\n'),
    );
    expect(s.reloadManager).toBe(true);
    expect(s.activeQuery).toBe('systemctl is-active wg-quick@wg0');
  });

  it('OpenRC (Alpine, Debian without systemd): a wg-quick.wg0 script of ours, with the same reload', () => {
    const s = wgService(profileFacts('alpine'), 'wg0', '/etc/wireguard/wg0.key', false);
    expect(s.unit).toBe('wg-quick.wg0');
    expect(s.file).toBe('/etc/init.d/wg-quick.wg0');
    expect(s.mode).toBe(0o755);
    expect(s.content.split('\n')[0]).toBe('#!/sbin/openrc-run');
    expect(s.content).toContain('start() { ebegin "Starting WireGuard wg0"; wg-quick up wg0; eend $?; }');
    expect(s.content).toContain(
      `reload() { ebegin "Reloading WireGuard wg0"; /bin/bash -c 'exec wg syncconf wg0 <(wg-quick strip wg0; echo "[Interface]"; echo "PrivateKey = $(cat /etc/wireguard/wg0.key)")'; eend $?; }`,
    );
    expect(s.content).not.toContain('WG_QUICK_USERSPACE_IMPLEMENTATION');
    expect(s.reloadManager).toBe(false);
    expect(s.activeQuery).toBe('rc-service wg-quick.wg0 status >/dev/null 2>&1 && echo active || echo inactive');
    expect(compileRollback([s.disable]).join('\n')).toContain('rc-update del wg-quick.wg0 default');
  });
});
