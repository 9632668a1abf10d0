import {Spinner} from '@inkjs/ui';
import {Box, useInput, useStdin} from 'ink';
import {useState} from 'react';
import type {ProofTunnel} from '../../engine/events.js';
import {useNow} from '../hooks/use-now.js';
import {clip} from '../model/lines.js';
import {secondsLeft} from '../model/time.js';
import {QR_KEY, tunnelScreen} from '../model/tunnel-screen.js';
import type {ProofView, StepView, StopPlan} from '../state/types.js';
import {T} from '../theme.js';
import {ActionList} from './action-list.js';
import {KeyLegend} from './key-legend.js';
import {LinesView} from './lines-view.js';
import {QrBlock} from './qr-block.js';
import {StepHeader} from './step-header.js';
import {STOP_ROWS, StopBanner, stopMessage} from './stop-banner.js';

/**
 * A proof through a tunnel the operator brings up from their own device: the QR code to scan (or, when
 * the terminal is too short for it, the file and the exact wg-quick command; QR_KEY toggles), "waiting
 * for a handshake" with the time left, then the login to make through the tunnel once it is up. The
 * engine sees both on the server. Fits `height` rows.
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
}) {
  const {isRawModeSupported} = useStdin();
  const [toggled, setToggled] = useState<boolean | undefined>(undefined);
  const now = useNow(1000);
  const stop = stopMessage(stopping, step);
  const screen = tunnelScreen({
    tunnel,
    handshake: proof.handshake,
    qr,
    toggled,
    width,
    height,
    stopRows: stop ? STOP_ROWS : 0,
  });
  const shown = screen.mode === 'qr';
  useInput(
    (input) => {
      if (input === QR_KEY) setToggled((t) => !(t ?? shown));
    },
    {isActive: isRawModeSupported === true},
  );
  const left = secondsLeft(step.timer?.deadline ?? tunnel.deadline, now);
  const after = step.timer ? 'then everything rolls back' : 'then this step fails and the run stops before the next';
  return (
    <Box flexDirection="column">
      <StepHeader steps={steps} current={step} width={width} />
      {shown && qr ? (
        <QrBlock rows={qr} />
      ) : (
        <ActionList actions={step.actions} rows={screen.actionRows} width={width} />
      )}
      <LinesView lines={[...screen.info, ...screen.note]} />
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
          {keys: QR_KEY, does: shown ? 'hide the QR code' : 'QR code'},
          {keys: 'Ctrl-C or q', does: stop ? 'stopping…' : 'stop safely (never half-applied)'},
        ]}
        width={width}
      />
    </Box>
  );
}
