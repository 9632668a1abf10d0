import {block, type Line} from './lines.js';

/** The key that writes the QR code as a PNG next to the client config. */
export const PNG_KEY = 'p';

/** Rows of the QR view besides the code: its title, the status of the wait and the key legend. */
export const QR_VIEW_CHROME = 3;

export interface QrViewInput {
  /** The code's rows; null: the client config could not be read; undefined: not drawn yet. */
  qr: readonly string[] | null | undefined;
  confPath: string;
  /** The PNG once written (its path), or why it could not be; undefined: not asked for. */
  png?: {path: string} | {error: string};
  /** The command that draws the code in another terminal (printed whole in the log above). */
  elsewhere: string;
  width: number;
  /** Rows the live region may take: the terminal's rows less one. */
  height: number;
}

export interface QrView {
  /** 'code': the whole code fits and is drawn; 'text': what to do instead (a taller window, a PNG, a command). */
  mode: 'code' | 'text';
  /** The rows under the title in text mode (wrapped to the width); [] in code mode. */
  lines: Line[];
  /** The terminal the code needs (rows counted as the terminal has them); 0 while it is not drawn. */
  needRows: number;
  needColumns: number;
}

/**
 * The QR code's own view, drawn in full or not at all: a code cut anywhere does not scan. The size it
 * says it needs is the size at which it is drawn, one number (rows of the code + QR_VIEW_CHROME + the row
 * Ink keeps free), so a window made that tall shows it on the next redraw.
 */
export function qrView(i: QrViewInput): QrView {
  const needColumns = i.qr ? Math.max(...i.qr.map((r) => Array.from(r).length)) : 0;
  const needRows = i.qr ? i.qr.length + QR_VIEW_CHROME + 1 : 0;
  if (i.qr && needRows <= i.height + 1 && needColumns <= i.width)
    return {mode: 'code', lines: [], needRows, needColumns};
  const w = i.width;
  const lines: Line[] = [];
  if (i.qr === null)
    return {
      mode: 'text',
      lines: block(`No QR code: ${i.confPath} could not be read on this machine.`, 'warn', w, 0),
      needRows,
      needColumns,
    };
  if (i.qr === undefined) lines.push(...block('drawing the QR code…', 'dim', w, 0));
  else
    lines.push(
      ...block(
        `It needs a terminal of ${needRows} rows and ${needColumns} columns (this one: ${i.height + 1} × ${i.width}): make the window taller (or the font smaller); this view redraws.`,
        'warn',
        w,
        0,
      ),
    );
  lines.push({text: '', tone: 'plain'});
  if (i.png === undefined)
    lines.push(
      ...block(
        `Or press ${PNG_KEY}: the code is written as a PNG next to the client config (0600, like the config: it holds your peer's private key), to open on this machine.`,
        'plain',
        w,
        0,
      ),
    );
  else if ('error' in i.png) lines.push(...block(`The PNG could not be written: ${i.png.error}`, 'error', w, 0));
  else {
    lines.push(...block("PNG written (0600: it holds your peer's private key):", 'ok', w, 0));
    lines.push(...pathRow(i.png.path, w, 'its path is printed just above, whole'));
  }
  lines.push(...block('Or draw it in another terminal:', 'plain', w, 0));
  lines.push(...pathRow(i.elsewhere, w, 'the qrencode command printed just above'));
  // Never taller than the live region: the first rows (the size it needs) matter most.
  return {mode: 'text', lines: lines.slice(0, Math.max(0, i.height - QR_VIEW_CHROME)), needRows, needColumns};
}

/** A path or command to copy: whole on its row when it fits, else a pointer to the log above, where it is whole. */
function pathRow(text: string, width: number, pointer: string): Line[] {
  return Array.from(text).length <= width - 2
    ? [{text: `  ${text}`, tone: 'cmd'}]
    : block(`(${pointer})`, 'cmd', width, 2);
}
