import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {parseServerConf, renderClientConf, renderServerConf} from '../../src/render/wireguard.js';
import {generateKeyPair, isWgKey, publicKeyOf} from '../../src/wg/keys.js';
import {chooseSubnet, hostNetworks, parseSubnet} from '../../src/wg/subnet.js';

const hasWg = (() => {
  try {
    execFileSync('wg', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe('WireGuard keys', () => {
  it('are 44-character base64 X25519 keys', () => {
    const k = generateKeyPair();
    expect(isWgKey(k.privateKey) && isWgKey(k.publicKey)).toBe(true);
    expect(publicKeyOf(k.privateKey)).toBe(k.publicKey);
  });

  // `wg` comes with .ci/sandbox-deps.sh; CI always has it.
  it.runIf(hasWg || process.env.PORTCULLIS_TEST_IN_CI === 'true')(
    'derive the same public key as `wg pubkey`, both ways',
    () => {
      for (let i = 0; i < 20; i++) {
        const k = generateKeyPair();
        expect(
          execFileSync('wg', ['pubkey'], {input: `${k.privateKey}\n`})
            .toString()
            .trim(),
        ).toBe(k.publicKey);
        const wgPriv = execFileSync('wg', ['genkey']).toString().trim();
        expect(publicKeyOf(wgPriv)).toBe(
          execFileSync('wg', ['pubkey'], {input: `${wgPriv}\n`})
            .toString()
            .trim(),
        );
      }
    },
  );
});

describe('WireGuard configs', () => {
  const peer = {name: 'alice', publicKey: generateKeyPair().publicKey, address: '10.66.0.2'};
  it('the server conf holds no private key and reads back', () => {
    const text = renderServerConf({
      iface: 'wg0',
      address: '10.66.0.1/24',
      listenPort: 51820,
      keyFile: '/etc/wireguard/wg0.key',
      peers: [peer],
    });
    expect(text).not.toMatch(/PrivateKey/);
    expect(parseServerConf(text)).toMatchObject({listenPort: 51820, address: '10.66.0.1/24', peers: [peer]});
  });
  it('refuses a peer name or key that could inject a line', () => {
    const base = {iface: 'wg0', address: '10.66.0.1/24', listenPort: 51820, keyFile: '/k'};
    expect(() => renderServerConf({...base, peers: [{...peer, name: 'a\nPostUp = rm -rf /'}]})).toThrow();
    expect(() => renderServerConf({...base, peers: [{...peer, publicKey: 'x\nPostUp=id'}]})).toThrow();
  });
  it('client conf: keepalive, endpoint, no DNS unless asked', () => {
    const c = renderClientConf({
      privateKey: 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
      address: '10.66.0.2',
      serverPublicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
      endpoint: '192.0.2.10:51820',
      allowedIps: '10.66.0.0/24',
    });
    expect(c).toContain('PersistentKeepalive = 25');
    expect(c).not.toContain('DNS');
  });
  it('picks a tunnel subnet that does not collide with the host', () => {
    expect(chooseSubnet(hostNetworks(['10.66.0.5/16', '192.0.2.10/24']))).toEqual(parseSubnet('10.67.0.0/24'));
    expect(() => parseSubnet('10.66.0.1/24')).toThrow(/host bits/);
  });
});
