import {describe, expect, it} from 'vitest';
import {parseNet} from '../../src/core/net.js';
import {parseEndpoint} from '../../src/target/endpoint.js';
import {cidr, hostName, isIPv6, port, safeName, sshPublicKey, userName} from '../../src/util/validate.js';
import {operatorIgnore} from '../../steps/fail2ban.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl op@laptop';

describe('validators', () => {
  it.each(['0', '65536', '22abc', '-1', '', ' 22', '1e3'])('port %j is refused', (p) => {
    expect(() => port(p)).toThrow(/port/);
  });
  it('accepts ports at the edges', () => {
    expect(port('1')).toBe(1);
    expect(port(65535)).toBe(65535);
  });
  it.each(['Admin', 'a b', 'root;id', '$(x)', 'a\nb', '-x', 'x'.repeat(33)])('user %j is refused', (u) => {
    expect(() => userName(u)).toThrow();
  });
  it.each(['10.66.0.0/33', '10.66.0/24', 'x/24', '10.66.0.0', '10.66.0.0/24\n', '2001:db8::/129'])(
    'cidr %j is refused',
    (c) => {
      expect(() => cidr(c)).toThrow();
    },
  );
  it.each([
    ':::',
    '1:::2',
    ':::/64',
    '::::',
    ':1::',
    '1::2::3',
    '1.2.3.4::',
    'fe80::1:',
    '1:2:3:4:5:6:7:8:9',
    '::1.2.3',
  ])('IPv6 %j with an empty or extra group is refused everywhere (no NaN BigInt crash)', (a) => {
    expect(isIPv6(a)).toBe(false);
    expect(() => cidr(`${a.replace(/\/64$/, '')}/64`)).toThrow(/not a valid IPv4 or IPv6 network|CIDR/);
    expect(() => parseNet(a, 'address')).toThrow(/is not|network/);
    expect(() => operatorIgnore(a)).toThrow(/your client address/);
    expect(() => hostName(a)).toThrow(/not a host name/);
  });
  it.each(['::', '::1', '1::', '2001:db8::1', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4'])(
    'IPv6 %j is accepted',
    (a) => {
      expect(isIPv6(a)).toBe(true);
    },
  );
  it('accepts IPv4 and IPv6 networks', () => {
    expect(cidr('10.66.0.0/24')).toMatchObject({family: 4, prefix: 24});
    expect(cidr('2001:db8::/64')).toMatchObject({family: 6, prefix: 64});
  });
  it('accepts a real key and refuses tampered ones', () => {
    expect(sshPublicKey(KEY)).toBe(KEY);
    expect(() => sshPublicKey(`${KEY}\nssh-ed25519 AAAA evil`)).toThrow(/newlines/);
    expect(() => sshPublicKey(KEY.replace('ssh-ed25519', 'ssh-rsa'))).toThrow(/does not match/);
    expect(() => sshPublicKey(`${KEY} $(id)`)).toThrow(/comment/);
    expect(() => sshPublicKey('command="sh" ssh-ed25519 AAAA')).toThrow();
  });
  it.each(['../x', 'a/b', '.hidden', 'a b', 'x'.repeat(33), 'a\nb', ''])('name %j is refused', (n) => {
    expect(() => safeName(n)).toThrow();
  });
  it.each(['-oProxyCommand=x', 'host;rm', 'a b', 'h$(x)'])('host %j is refused', (h) => {
    expect(() => hostName(h)).toThrow();
  });
});

describe('parseEndpoint', () => {
  it('reads user@host:port and IPv6 forms', () => {
    expect(parseEndpoint('root@203.0.113.5:2222')).toEqual({user: 'root', host: '203.0.113.5', port: 2222});
    expect(parseEndpoint('admin@[2001:db8::1]:22')).toEqual({user: 'admin', host: '2001:db8::1', port: 22});
    expect(parseEndpoint('vps.example.com')).toEqual({user: undefined, host: 'vps.example.com', port: undefined});
  });
  it('refuses anything ssh could read as an option', () => {
    expect(() => parseEndpoint('-oProxyCommand=touch /tmp/x')).toThrow(/option/);
    expect(() => parseEndpoint('root@-p')).toThrow();
  });
});
