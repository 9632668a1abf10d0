import {Spinner} from '@inkjs/ui';
import {Box} from 'ink';
import {clip} from '../model/lines.js';
import {PNG_KEY, type QrView} from '../model/qr-view.js';
import {T} from '../theme.js';
import {KeyLegend} from './key-legend.js';
import {LinesView} from './lines-view.js';
import {QrBlock} from './qr-block.js';

/**
 * The QR code's own view, on screen until the operator presses a key: the whole code when the terminal
 * has the room (redrawn on resize), otherwise the size it needs, the PNG and the command that draws it
 * elsewhere. The wait goes on underneath: its status row is kept.
 */
export function QrViewScreen({
  view,
  qr,
  status,
  left,
  width,
}: {
  view: QrView;
  qr: readonly string[] | null | undefined;
  /** What the wait is waiting for (one row). */
  status: string;
  /** Seconds before the wait gives up. */
  left: number;
  width: number;
}) {
  return (
    <Box flexDirection="column">
      <Box height={1}>
        <T tone="bold">{clip(`Scan this code with the WireGuard app on your phone · ${left} s left`, width)}</T>
      </Box>
      {view.mode === 'code' && qr ? <QrBlock rows={qr} /> : <LinesView lines={view.lines} />}
      <Box height={1} gap={1}>
        <Spinner />
        <T tone="accent">{clip(status, width - 2)}</T>
      </Box>
      <KeyLegend
        hints={[
          {keys: 'any key', does: 'back to the wait'},
          {keys: PNG_KEY, does: 'save as PNG'},
          {keys: 'Ctrl-C or q', does: 'stop safely'},
        ]}
        width={width}
      />
    </Box>
  );
}
