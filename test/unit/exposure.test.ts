import {describe, expect, it} from 'vitest';
import type {Facts} from '../../src/core/facts.js';
import {exposures, meantPublic} from '../../src/platform/exposure.js';
import {firewalldInbound, lets, pfInbound, ufwInbound} from '../../src/platform/firewall/inbound.js';
import {parseFacts} from '../../src/platform/parse-facts.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {exposureTable} from '../../src/present/exposure-table.js';

/** `ufw status verbose` as the sandbox VPS printed it after apply and one ban. */
const UFW_STATUS = `Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
Anywhere                   REJECT IN   192.0.2.66                 # by Fail2Ban after 3 attempts against sshd
2222/tcp                   ALLOW IN    Anywhere                   # portcullis: ssh
51820/udp                  ALLOW IN    Anywhere                   # portcullis: wireguard
5432/tcp                   ALLOW IN    10.0.0.0/8
2222/tcp (v6)              ALLOW IN    Anywhere (v6)              # portcullis: ssh
51820/udp (v6)             ALLOW IN    Anywhere (v6)              # portcullis: wireguard`;

function vps(): Facts {
  const f = profileFacts('debian-12');
  f.ssh.effective.port = ['2222'];
  f.listeners = [
    {proto: 'tcp', address: '0.0.0.0', port: 2222, process: 'sshd'},
    {proto: 'tcp', address: '::', port: 2222, process: 'sshd'},
    {proto: 'tcp', address: '0.0.0.0', port: 8080, process: 'python3'},
    {proto: 'tcp', address: '::', port: 8080, process: 'python3'},
    {proto: 'tcp', address: '0.0.0.0', port: 5432, process: 'postgres'},
    {proto: 'tcp', address: '127.0.0.1', port: 6379, process: 'redis-server'},
  ];
  return f;
}

describe('exposure audit', () => {
  it('without a firewall every public non-SSH socket is exposed and flagged with a fix', () => {
    const e = exposures(vps());
    const at = (port: number, address = '0.0.0.0') => e.find((x) => x.port === port && x.address === address);
    expect(at(8080)).toMatchObject({public: true, blocked: false, exposed: true, flag: true});
    expect(at(8080)?.fix).toMatch(/bind python3 to 127\.0\.0\.1:8080/);
    expect(at(2222)).toMatchObject({exposed: true, flag: false});
    expect(at(6379, '127.0.0.1')).toMatchObject({public: false, exposed: false, flag: false});
  });

  it('behind ufw default deny, 8080 is blocked (IPv4 and IPv6); a source-restricted rule does not expose 5432', () => {
    const f = vps();
    f.firewall = {...f.firewall, active: 'ufw', ufw: 'active', inbound: ufwInbound(UFW_STATUS.split('\n'), 'yes')};
    const e = exposures(f);
    for (const x of e.filter((x) => x.port === 8080))
      expect(x).toMatchObject({blocked: true, exposed: false, flag: false});
    expect(e.find((x) => x.port === 5432)).toMatchObject({blocked: true, flag: false});
    expect(e.filter((x) => x.port === 2222).every((x) => x.exposed && !x.flag)).toBe(true);
  });

  it('IPV6=no in ufw leaves IPv6 unfiltered: the [::] socket stays exposed', () => {
    const f = vps();
    f.firewall = {...f.firewall, active: 'ufw', ufw: 'active', inbound: ufwInbound(UFW_STATUS.split('\n'), 'no')};
    expect(exposures(f).find((x) => x.port === 8080 && x.address === '::')).toMatchObject({exposed: true, flag: true});
  });

  it('Docker-published ports are never counted as blocked', () => {
    const f = vps();
    f.firewall = {...f.firewall, active: 'ufw', ufw: 'active', inbound: ufwInbound(UFW_STATUS.split('\n'), 'yes')};
    f.docker = {present: true, publishedPorts: ['0.0.0.0:9000->80/tcp']};
    const d = exposures(f).find((x) => x.port === 9000);
    expect(d).toMatchObject({process: 'docker', blocked: false, exposed: true, flag: true});
    expect(d?.fix).toMatch(/DOCKER-USER/);
  });

  it('reads the firewall from the detection output (ufw lines through parseFacts)', () => {
    const out = [
      'kernel\tLinux',
      'os_id\tdebian',
      'os_version\t12',
      'ufw\tactive',
      ...UFW_STATUS.split('\n').map((l) => `ufw_line\t${l}`),
      'ufw_ipv6\tyes',
      'sock\ttcp   LISTEN 0      5            0.0.0.0:8080      0.0.0.0:*    users:(("python3",pid=31,fd=3))',
    ].join('\n');
    const f = parseFacts(out);
    expect(f.firewall.inbound?.v4).toEqual({defaultDeny: true, open: ['2222/tcp', '51820/udp']});
    expect(f.firewall.inbound?.v6?.open).toEqual(['2222/tcp', '51820/udp']);
    expect(exposures(f)[0]).toMatchObject({port: 8080, blocked: true});
  });

  it('firewalld zone and pf anchor policies', () => {
    const z = firewalldInbound(
      [
        'public (active)',
        '  target: default',
        '  services: dhcpv6-client ssh',
        '  ports: 2222/tcp 6000-6007/tcp',
        '  rich rules: ',
        '\trule family="ipv4" port port="9090" protocol="tcp" accept',
        '\trule family="ipv4" source address="10.0.0.1/32" port port="5432" protocol="tcp" accept',
      ],
      ['dhcpv6-client 546/udp', 'ssh 22/tcp'],
    );
    expect(z).toBeDefined();
    if (!z) return;
    expect(lets(z, 22, 'tcp')).toBe(true);
    expect(lets(z, 6003, 'tcp')).toBe(true);
    expect(lets(z, 9090, 'tcp')).toBe(true);
    expect(lets(z, 5432, 'tcp')).toBe(false);
    expect(lets(z, 8080, 'tcp')).toBe(false);
    expect(firewalldInbound(['  target: ACCEPT'], [])?.defaultDeny).toBe(false);
    const pf = pfInbound([
      'block drop in all',
      'pass in quick proto tcp from any to any port = 22 flags S/SA keep state',
      'pass in quick proto udp from any to any port = 51820 keep state',
    ]);
    expect(pf).toEqual({defaultDeny: true, open: ['22/tcp', '51820/udp']});
  });

  it('the before/after table shows 8080 going from EXPOSED to blocked and the SSH port move', () => {
    const before = profileFacts('debian-12');
    before.listeners = [
      {proto: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd'},
      {proto: 'tcp', address: '0.0.0.0', port: 8080, process: 'python3'},
      {proto: 'tcp', address: '127.0.0.1', port: 6379, process: 'redis-server'},
    ];
    const after = vps();
    after.firewall = {
      ...after.firewall,
      active: 'ufw',
      ufw: 'active',
      inbound: ufwInbound(UFW_STATUS.split('\n'), 'yes'),
    };
    const lines = exposureTable(exposures(before, meantPublic({})), exposures(after, meantPublic({})));
    const text = lines.join('\n');
    expect(text).toMatch(/0\.0\.0\.0:8080\/tcp\s+python3\s+EXPOSED\s+blocked/);
    expect(text).toMatch(/0\.0\.0\.0:22\/tcp\s+sshd\s+open\s+-/);
    expect(text).toMatch(/\[::\]:2222\/tcp\s+sshd\s+-\s+open/);
    expect(text).not.toContain('6379');
    expect(meantPublic({public_ports: ['443/tcp'], wg_port: 51999})).toEqual(['443/tcp', '51999/udp']);
    expect(meantPublic({firewall_allow_wireguard: false})).toEqual([]);
  });
});
