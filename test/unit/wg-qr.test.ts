import {describe, expect, it} from 'vitest';
import {halfBlockRows, invertQrRow, qrRows} from '../../src/wg/qr.js';
import {wgQuickUp} from '../../src/wg/wg-quick.js';

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
