import type {ProofTunnel} from '../../engine/events.js';
import {wgQuickUp} from '../../wg/wg-quick.js';
import {block, type Line} from './lines.js';

/** The key that shows or hides the QR code while the wizard waits for the tunnel. */
export const QR_KEY = 'r';

/** Rows under the status on the tunnel screen besides the info: the countdown and the key legend. */
const TAIL_ROWS = 2;
/** The step header (title and the steps to come). */
const HEAD_ROWS = 2;
/** The action list is kept at least this tall in the compact view (its heading and the proof row). */
const MIN_ACTION_ROWS = 2;

export interface TunnelScreenInput {
  tunnel: ProofTunnel;
  /** The engine's words once the handshake came through; unset while waiting for it. */
  handshake?: string;
  /** The QR code's rows; null: the file could not be read; undefined: not drawn yet. */
  qr: readonly string[] | null | undefined;
  /** The operator's choice (QR_KEY); undefined: shown while waiting for the handshake, when it fits. */
  toggled?: boolean;
  width: number;
  /** Rows the whole live region may take. */
  height: number;
  /** Rows a stop banner takes (0 when not stopping). */
  stopRows: number;
}

export interface TunnelScreen {
  /** 'qr': the code with how to use it; 'compact': the action list, the path and the command. */
  mode: 'qr' | 'compact';
  /** How to bring the tunnel up (the path, the command); empty once the handshake came through. */
  info: Line[];
  /** Why the QR code is not on screen although asked for. */
  note: Line[];
  /** What is awaited, wrapped to the width less the spinner's two columns. */
  status: Line[];
  /** Rows for the action list (compact only). */
  actionRows: number;
}

/**
 * What the operator brings up, and how: the file (0600), the app, the exact wg-quick command; in at most
 * `rows` rows if it can: the file line goes first, then (beside a QR code) the command, which holds the path.
 */
function howTo(t: ProofTunnel, width: number, qrShown: boolean, rows = Number.POSITIVE_INFINITY): Line[] {
  const scan = qrShown
    ? 'scan this code with the WireGuard app on your phone, or on a laptop run:'
    : `scan its QR code with the WireGuard app on your phone (${QR_KEY} shows it), or on a laptop run:`;
  const file = block(`client config ${t.confPath} (0600: it holds your peer's private key)`, 'dim', width, 0);
  const how = block(scan, 'plain', width, 0);
  // A command longer than a row is printed whole above (the static log), never cut here.
  const line = wgQuickUp(t.confPath, t.localIface);
  const command =
    Array.from(line).length <= width - 2
      ? [{text: `  ${line}`, tone: 'cmd' as const}]
      : block('the command printed just above (one line, to copy whole)', 'cmd', width, 2);
  const choices = [
    [...file, ...how, ...command],
    [...how, ...command],
    qrShown ? block('scan this code with the WireGuard app on your phone', 'plain', width, 0) : command,
  ];
  return choices.find((c) => c.length <= rows) ?? (choices.at(-1) as Line[]);
}

/**
 * The wait for a tunnel the operator brings up: the QR code when the terminal has room for it (or when
 * asked for with QR_KEY), otherwise the path and the exact wg-quick command with the action list. Never
 * taller than `height`: a QR code that cannot fit is not drawn in part, the operator is told the size
 * it needs instead (it appears as soon as the terminal is that big).
 */
export function tunnelScreen(i: TunnelScreenInput): TunnelScreen {
  const status = block(i.handshake ?? 'waiting for a handshake from your device…', 'accent', i.width - 2, 0);
  const fixed = HEAD_ROWS + status.length + TAIL_ROWS + i.stopRows;
  const waiting = i.handshake === undefined;
  const qrCols = i.qr ? Math.max(...i.qr.map((r) => Array.from(r).length)) : 0;
  const qrInfo = waiting ? howTo(i.tunnel, i.width, true, i.height - fixed - (i.qr?.length ?? 0)) : [];
  // The size said is the least with which the code appears (its shortest words), whatever this size is.
  const qrNeed = i.qr ? fixed + i.qr.length + (waiting ? howTo(i.tunnel, i.width, true, 0).length : 0) : 0;
  const fits = Boolean(i.qr) && qrNeed <= i.height && qrCols <= i.width;
  const want = i.toggled ?? waiting;
  if (want && fits && i.qr) return {mode: 'qr', info: qrInfo, note: [], status, actionRows: 0};
  const room = i.height - fixed - MIN_ACTION_ROWS;
  const info = waiting ? howTo(i.tunnel, i.width, false, room) : [];
  const note =
    i.toggled !== true || info.length >= room
      ? []
      : i.qr === null
        ? block(`no QR code: ${i.tunnel.confPath} could not be read on this machine`, 'warn', i.width, 0)
        : i.qr === undefined
          ? block('drawing the QR code…', 'dim', i.width, 0)
          : block(
              `the QR code needs a terminal of ${qrNeed + 1} rows and ${qrCols} columns (this one: ${i.height + 1} × ${i.width}); make it bigger or the font smaller, and it appears here`,
              'warn',
              i.width,
              0,
            );
  const shown = info.length + note.length <= room ? note : [];
  const actionRows = Math.max(MIN_ACTION_ROWS, i.height - fixed - info.length - shown.length);
  return {mode: 'compact', info, note: shown, status, actionRows};
}
