import type {ProofTunnel} from '../../engine/events.js';
import {wgQuickUp} from '../../wg/wg-quick.js';
import {block, type Line} from './lines.js';

/** The key that opens the QR code's own view (model/qr-view.ts) while the wizard waits for the tunnel. */
export const QR_KEY = 'r';

/** Rows under the status on the tunnel screen besides the info: the countdown and the key legend. */
const TAIL_ROWS = 2;
/** The step header (title and the steps to come). */
const HEAD_ROWS = 2;
/** The action list is kept at least this tall (its heading and the proof row). */
const MIN_ACTION_ROWS = 2;

export interface TunnelScreenInput {
  tunnel: ProofTunnel;
  /** The engine's words once the handshake came through; unset while waiting for it. */
  handshake?: string;
  width: number;
  /** Rows the whole live region may take. */
  height: number;
  /** Rows a stop banner takes (0 when not stopping). */
  stopRows: number;
}

export interface TunnelScreen {
  /** How to bring the tunnel up (the path, the command); empty once the handshake came through. */
  info: Line[];
  /** What is awaited, wrapped to the width less the spinner's two columns. */
  status: Line[];
  /** Rows for the action list. */
  actionRows: number;
}

/**
 * What the operator brings up, and how: the file (0600), the app, the exact wg-quick command; in at most
 * `rows` rows if it can: the file line goes first, then the command, which holds the path.
 */
function howTo(t: ProofTunnel, width: number, rows: number): Line[] {
  const file = block(`client config ${t.confPath} (0600: it holds your peer's private key)`, 'dim', width, 0);
  const how = block(
    `scan its QR code with the WireGuard app on your phone (${QR_KEY} shows it), or on a laptop run:`,
    'plain',
    width,
    0,
  );
  // A command longer than a row is printed whole above (the static log), never cut here.
  const line = wgQuickUp(t.confPath, t.localIface);
  const command =
    Array.from(line).length <= width - 2
      ? [{text: `  ${line}`, tone: 'cmd' as const}]
      : block('the command printed just above (one line, to copy whole)', 'cmd', width, 2);
  const choices = [[...file, ...how, ...command], [...how, ...command], command];
  return choices.find((c) => c.length <= rows) ?? (choices.at(-1) as Line[]);
}

/**
 * The wait for a tunnel the operator brings up: the action list, the path and the exact wg-quick command
 * (the QR code has a view of its own, QR_KEY). Never taller than `height`.
 */
export function tunnelScreen(i: TunnelScreenInput): TunnelScreen {
  const status = block(i.handshake ?? 'waiting for a handshake from your device…', 'accent', i.width - 2, 0);
  const fixed = HEAD_ROWS + status.length + TAIL_ROWS + i.stopRows;
  const room = i.height - fixed - MIN_ACTION_ROWS;
  const info = i.handshake === undefined ? howTo(i.tunnel, i.width, room) : [];
  const actionRows = Math.max(MIN_ACTION_ROWS, i.height - fixed - info.length);
  return {info, status, actionRows};
}
