import {chmodSync, writeFileSync} from 'node:fs';

// qrcode is loaded only when a code is drawn: plans and the wizard's first frame must not pay for the
// encoder (bench/startup.mjs).

/** Light modules around the code: fewer than the standard 4 keep it on an 80x24 screen, phones cope with 2. */
export const QR_MARGIN = 2;

/**
 * What the code carries: the client config without what a parser skips (comments, blank lines, the spaces
 * around `=`), so it needs fewer modules. The WireGuard apps read `Key=Value` as `Key = Value` (Android:
 * `\s*=\s*`; iOS trims both sides; wg-quick the same). Error correction L, the lowest: a code on a screen
 * or a PNG is not smudged, and every level up adds rows the 80x24 terminal does not have.
 */
export function qrPayload(conf: string): string {
  return conf
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l !== '')
    .map((l) => l.replace(/^([A-Za-z0-9_]+)\s*=\s*/, '$1='))
    .join('\n');
}

/** A QR code for a terminal outside Ink (`peers add|show`): the rows of qrRows, coloured black on white or, without colour, inverted. */
export async function terminalQr(conf: string, color: boolean): Promise<string> {
  const rows = await qrRows(conf);
  return `${rows.map((r) => (color ? `\u001b[47m\u001b[30m${r}\u001b[0m` : invertQrRow(r))).join('\n')}\n`;
}

/**
 * The QR code of a client config as plain rows of half blocks (▀ ▄ █ and spaces, no escape codes), one row
 * per two modules, margin included; a block is a dark module. Drawn as dark on light: see invertQrRow for
 * dark terminals without colour.
 */
export async function qrRows(conf: string): Promise<string[]> {
  const {default: QRCode} = await import('qrcode');
  const {modules} = QRCode.create(qrPayload(conf), {errorCorrectionLevel: 'L'});
  return halfBlockRows(modules.size, (r, c) => modules.get(r, c) === 1, QR_MARGIN);
}

/** Where the PNG of a client config's QR code goes: next to it, the same name ending in .png. */
export function qrPngPath(confPath: string): string {
  return `${confPath.replace(/\.conf$/, '')}.png`;
}

/**
 * Writes the QR code of the client config at `confPath` as a PNG next to it, mode 0600 like the config:
 * it holds the peer's private key. Returns its path. If this throws, no PNG was written or an old one
 * was left as it was.
 */
export async function writeQrPng(confPath: string, conf: string): Promise<string> {
  const {default: QRCode} = await import('qrcode');
  const png = qrPngPath(confPath);
  const buf = await QRCode.toBuffer(qrPayload(conf), {
    type: 'png',
    errorCorrectionLevel: 'L',
    margin: QR_MARGIN,
    scale: 8,
  });
  writeFileSync(png, buf, {mode: 0o600});
  chmodSync(png, 0o600);
  return png;
}

/** Rows of half blocks for a square of `size` modules with `margin` light modules around it. */
export function halfBlockRows(size: number, dark: (row: number, col: number) => boolean, margin: number): string[] {
  const n = size + 2 * margin;
  const at = (r: number, c: number) =>
    r >= margin && r < margin + size && c >= margin && c < margin + size && dark(r - margin, c - margin);
  const rows: string[] = [];
  for (let r = 0; r < n; r += 2) {
    let row = '';
    for (let c = 0; c < n; c++) {
      const top = at(r, c);
      const bottom = r + 1 < n && at(r + 1, c);
      row += top ? (bottom ? '█' : '▀') : bottom ? '▄' : ' ';
    }
    rows.push(row);
  }
  return rows;
}

const INVERSE: Record<string, string> = {' ': '█', '█': ' ', '▀': '▄', '▄': '▀'};

/**
 * The same row with light and dark swapped: without colour, the blocks take the terminal's text colour,
 * so on the usual light-on-dark terminal the light modules are the ones to draw (as `qrencode -t UTF8`
 * does). Past an odd module count the last row's lower half turns light too: a little more margin.
 */
export function invertQrRow(row: string): string {
  return Array.from(row, (ch) => INVERSE[ch] ?? ch).join('');
}
