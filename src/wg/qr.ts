// qrcode is loaded only when a code is drawn: plans and the wizard's first frame must not pay for the
// encoder (bench/startup.mjs).

/** A compact QR code (half blocks: two modules per character cell) for phones to scan a client config. */
export async function terminalQr(text: string): Promise<string> {
  const {default: QRCode} = await import('qrcode');
  return QRCode.toString(text, {type: 'terminal', small: true, errorCorrectionLevel: 'L'});
}

/** Light modules around the code: fewer than the standard 4 keep it on an 80x24 screen, phones cope with 2. */
export const QR_MARGIN = 2;

/**
 * The QR code of `text` as plain rows of half blocks (▀ ▄ █ and spaces, no escape codes), one row per two
 * modules, margin included; a block is a dark module. Drawn as dark on light: see invertQrRow for dark
 * terminals without colour.
 */
export async function qrRows(text: string): Promise<string[]> {
  const {default: QRCode} = await import('qrcode');
  const {modules} = QRCode.create(text, {errorCorrectionLevel: 'L'});
  return halfBlockRows(modules.size, (r, c) => modules.get(r, c) === 1, QR_MARGIN);
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
