import {Spinner} from '@inkjs/ui';
import {Box, useInput, useStdin} from 'ink';
import {useEffect, useRef, useState} from 'react';
import type {ProofTunnel} from '../../engine/events.js';
import {qrencodeCommand} from '../../wg/wg-quick.js';
import {isCtrlC} from '../hooks/keys.js';
import {useNow} from '../hooks/use-now.js';
import {clip} from '../model/lines.js';
import {PNG_KEY, qrView} from '../model/qr-view.js';
import {secondsLeft} from '../model/time.js';
import {QR_KEY, tunnelScreen} from '../model/tunnel-screen.js';
import type {ProofView, StepView, StopPlan} from '../state/types.js';
import {T} from '../theme.js';
import {ActionList} from './action-list.js';
import {KeyLegend} from './key-legend.js';
import {LinesView} from './lines-view.js';
import {QrViewScreen} from './qr-view.js';
import {StepHeader} from './step-header.js';
import {STOP_ROWS, StopBanner, stopMessage} from './stop-banner.js';

export interface QrViewControl {
  /** Whether the QR view is open when this wait is first drawn. @default true */
  open?: boolean;
  /** Told when the operator opens or leaves the view (so the next wait on the same config remembers). */
  onOpen?: (open: boolean) => void;
  /** The PNG written for this config, or why not; undefined: not asked for. */
  png?: {path: string} | {error: string};
  /** Asks for the PNG (PNG_KEY); absent: the key does nothing. */
  onPng?: () => void;
}

/**
 * A proof through a tunnel the operator brings up from their own device. First the QR code's own view,
 * until a key is pressed (QrViewScreen); then the wait: the file and the exact wg-quick command,
 * "waiting for a handshake" with the time left, then the login to make through the tunnel once it is up
 * (QR_KEY opens the view again). The engine sees both on the server. Fits `height` rows.
 */
export function TunnelWait({
  steps,
  step,
  proof,
  tunnel,
  qr,
  stopping,
  width,
  height,
  view: control = {},
}: {
  steps: readonly StepView[];
  step: StepView;
  proof: ProofView;
  tunnel: ProofTunnel;
  /** The client config's QR code; null: unreadable; undefined: not drawn yet. */
  qr: readonly string[] | null | undefined;
  stopping?: StopPlan;
  width: number;
  height: number;
  view?: QrViewControl;
}) {
  const {isRawModeSupported} = useStdin();
  const [open, setOpen] = useState(control.open ?? true);
  const now = useNow(1000);
  const stop = stopMessage(stopping, step);
  const shown = open && !stop;
  const toggle = (next: boolean) => {
    setOpen(next);
    control.onOpen?.(next);
  };
  // Once this wait is over, the next wait on the same config (close-ports' proof, with the tunnel already
  // up) starts without the view: the operator has scanned the code or chose not to; r opens it again.
  const onOpen = useRef(control.onOpen);
  onOpen.current = control.onOpen;
  useEffect(() => () => onOpen.current?.(false), []);
  useInput(
    (input, key) => {
      if (isCtrlC(input, key)) return;
      if (shown) {
        if (input === PNG_KEY && control.onPng) control.onPng();
        else if (input !== 'q') toggle(false);
      } else if (input === QR_KEY) toggle(true);
    },
    {isActive: isRawModeSupported === true},
  );
  const left = secondsLeft(step.timer?.deadline ?? tunnel.deadline, now);
  const after = step.timer ? 'then everything rolls back' : 'then this step fails and the run stops before the next';
  const awaited = proof.handshake ?? 'waiting for a handshake from your device…';
  if (shown) {
    const v = qrView({
      qr,
      confPath: tunnel.confPath,
      png: control.png,
      elsewhere: qrencodeCommand(tunnel.confPath),
      width,
      height,
    });
    return <QrViewScreen view={v} qr={qr} status={awaited} left={left} width={width} />;
  }
  const screen = tunnelScreen({
    tunnel,
    handshake: proof.handshake,
    width,
    height,
    stopRows: stop ? STOP_ROWS : 0,
  });
  return (
    <Box flexDirection="column">
      <StepHeader steps={steps} current={step} width={width} />
      <ActionList actions={step.actions} rows={screen.actionRows} width={width} />
      <LinesView lines={screen.info} />
      {screen.status.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a wrapped row is its position
        <Box key={i} height={1} gap={1}>
          {i === 0 ? <Spinner /> : <T> </T>}
          <T tone={l.tone}>{l.text}</T>
        </Box>
      ))}
      <Box height={1}>
        <T tone="bold">{clip(`  ${left} s left, ${after}`, width)}</T>
      </Box>
      {stop ? <StopBanner text={stop} width={width} /> : null}
      <KeyLegend
        hints={[
          {keys: QR_KEY, does: 'QR code'},
          {keys: 'Ctrl-C or q', does: stop ? 'stopping…' : 'stop safely (never half-applied)'},
        ]}
        width={width}
      />
    </Box>
  );
}
