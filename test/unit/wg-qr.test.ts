import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {halfBlockRows, invertQrRow, QR_MARGIN, qrPayload, qrRows, writeQrPng} from '../../src/wg/qr.js';
import {qrencodeCommand, wgQuickUp} from '../../src/wg/wg-quick.js';

/** A client config as wireguard writes it (made-up keys). */
const CONF = [
  '[Interface]',
  `PrivateKey = ${'A'.repeat(43)}=`,
  'Address = 10.66.0.2/32',
  '',
  '[Peer]',
  `PublicKey = ${'B'.repeat(43)}=`,
  'Endpoint = vps-1234.example-provider.cloud:51820',
  'AllowedIPs = 10.66.0.0/24',
  'PersistentKeepalive = 25',
  '',
].join('\n');

describe('halfBlockRows', () => {
  it('draws two modules a row: top, bottom, both or neither, inside the margin', () => {
    // 3x3: a diagonal.
    const rows = halfBlockRows(3, (r, c) => r === c, 1);
    // With the margin, dark modules at (1,1), (2,2), (3,3) of 5x5: rows 0-1, 2-3, and 4 (half past the code).
    expect(rows).toEqual([' ▄   ', '  ▀▄ ', '     ']);
    const full = halfBlockRows(2, () => true, 0);
    expect(full).toEqual(['██']);
  });

  it('inverts light and dark for terminals without colour', () => {
    expect(invertQrRow(' ▀▄█')).toBe('█▄▀ ');
  });
});

describe('qrRows', () => {
  it('encodes the text: longer texts give bigger codes, and the same text the same code', async () => {
    const small = await qrRows('x');
    // Version 1 is 21 modules; with a margin of 2 on each side, 25 columns and 13 rows.
    expect(small).toHaveLength(13);
    expect(Array.from(small[0] as string)).toHaveLength(25);
    const big = await qrRows('x'.repeat(200));
    expect(big.length).toBeGreaterThan(small.length);
    expect(await qrRows('x')).toEqual(small);
  });
});

describe('qrPayload', () => {
  it('keeps every key and value, without comments, blank lines or the spaces around =', () => {
    const p = qrPayload(`# a comment\n${CONF.replace('Address', '  Address')}# trailing\n`);
    expect(p).toBe(
      [
        '[Interface]',
        `PrivateKey=${'A'.repeat(43)}=`,
        'Address=10.66.0.2/32',
        '[Peer]',
        `PublicKey=${'B'.repeat(43)}=`,
        'Endpoint=vps-1234.example-provider.cloud:51820',
        'AllowedIPs=10.66.0.0/24',
        'PersistentKeepalive=25',
      ].join('\n'),
    );
    // Base64 padding inside a value is kept: only the first = of a line is the separator.
    expect(qrPayload('PrivateKey = abc=')).toBe('PrivateKey=abc=');
  });

  it('makes a client config with a long endpoint a code of at most 29 rows (version 9 at level L)', async () => {
    const rows = await qrRows(CONF);
    expect(rows.length).toBeLessThanOrEqual(29);
  });
});

describe('writeQrPng', () => {
  it('writes the code next to the config, 0600, a PNG as wide as the code with its margin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-qr-'));
    try {
      const conf = join(dir, 'vps-admin.conf');
      writeFileSync(conf, CONF, {mode: 0o600});
      const png = await writeQrPng(conf, CONF);
      expect(png).toBe(join(dir, 'vps-admin.png'));
      expect(statSync(png).mode & 0o777).toBe(0o600);
      const buf = readFileSync(png);
      expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      // IHDR: width and height (big-endian) at bytes 16 and 20: (modules + 2 x margin) x 8 pixels.
      const modules = ((await qrRows(CONF))[0]?.length ?? 0) - 2 * QR_MARGIN;
      expect(buf.readUInt32BE(16)).toBe((modules + 2 * QR_MARGIN) * 8);
      expect(buf.readUInt32BE(20)).toBe(buf.readUInt32BE(16));
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('qrencodeCommand', () => {
  it('reads the config on stdin, quoted', () => {
    expect(qrencodeCommand('/home/o p/vps-admin.conf')).toBe("qrencode -t ansiutf8 -m 2 < '/home/o p/vps-admin.conf'");
  });
});

describe('wgQuickUp', () => {
  it('brings a config up by its path when wg-quick can name the interface after the file', () => {
    expect(wgQuickUp('/home/op/.local/state/portcullis/wireguard/vps-admin.conf', 'pcw1')).toBe(
      'sudo wg-quick up /home/op/.local/state/portcullis/wireguard/vps-admin.conf',
    );
  });

  it('a file name wg-quick refuses (more than 15 characters) is copied under the interface name first', () => {
    const conf = '/home/op/wg/debian-s-1vcpu-fra1-01-admin.conf';
    expect(wgQuickUp(conf, 'pcw1a2b3c4d')).toBe(
      `mkdir -p -m 700 /home/op/wg/up && cp -p ${conf} /home/op/wg/up/pcw1a2b3c4d.conf && sudo wg-quick up /home/op/wg/up/pcw1a2b3c4d.conf`,
    );
  });

  it('quotes a path the shell would split', () => {
    expect(wgQuickUp("/home/o p/it's/vps-admin.conf", 'pcw1')).toBe(
      `sudo wg-quick up '/home/o p/it'\\''s/vps-admin.conf'`,
    );
  });
});
