import {Spinner} from '@inkjs/ui';
import {Box} from 'ink';
import {proofWords} from '../../util/proof-words.js';
import {clip} from '../model/lines.js';
import {progressLayout} from '../model/progress-layout.js';
import type {StepView, StopPlan} from '../state/types.js';
import {T} from '../theme.js';
import {ActionList} from './action-list.js';
import {COUNTDOWN_ROWS, Countdown} from './countdown.js';
import {KeyLegend} from './key-legend.js';
import {OutputTail} from './output-tail.js';
import {StepHeader} from './step-header.js';
import {STOP_ROWS, StopBanner, stopMessage} from './stop-banner.js';
import {type QrViewControl, TunnelWait} from './tunnel-wait.js';

/**
 * A step while it runs: its actions with status, the output tail, and, inside a confirmation window,
 * the countdown with the command to try from another terminal; while the operator brings a tunnel up
 * from their device, the tunnel screen (TunnelWait). Fits `height` rows at any width.
 */
export function ApplyProgress({
  steps,
  step,
  stopping,
  qr,
  qrView,
  width,
  height,
}: {
  steps: readonly StepView[];
  step: StepView;
  stopping?: StopPlan;
  /** The QR code of the client config a tunnel proof waits on (see WizardState.qr). */
  qr?: readonly string[] | null;
  /** The QR view of that config: open or not, its PNG (see TunnelWait). */
  qrView?: QrViewControl;
  width: number;
  height: number;
}) {
  const proof = step.proofs.at(-1);
  const proving = proof?.state === 'running';
  if (proving && proof?.tunnel && !proof.tunnel.connect)
    return (
      <TunnelWait
        steps={steps}
        step={step}
        proof={proof}
        tunnel={proof.tunnel}
        qr={qr}
        view={qrView}
        stopping={stopping}
        width={width}
        height={height}
      />
    );
  const panel = step.timer ? COUNTDOWN_ROWS : proving ? 2 : 0;
  const stop = stopMessage(stopping, step);
  const body = height - 2 - panel - (stop ? STOP_ROWS : 0) - 1;
  const layout = progressLayout(body, 0, step.output.length, step.actions.length);
  return (
    <Box flexDirection="column">
      <StepHeader steps={steps} current={step} width={width} />
      <Box flexDirection="column" height={Math.max(0, body)}>
        <ActionList actions={step.actions} rows={layout.actions} width={width} />
        <OutputTail lines={step.output} rows={layout.output} width={width} />
      </Box>
      {step.timer ? (
        <Countdown
          proof={proof}
          deadline={step.timer.deadline}
          server={step.timer.server}
          seconds={step.timer.seconds}
          width={width}
        />
      ) : proving && proof ? (
        <Box flexDirection="column">
          <Box height={1} gap={1}>
            <Spinner />
            <T tone="accent">
              {clip(`proving ${proofWords(proof.what, proof.command)} with a fresh connection`, width - 2)}
            </T>
          </Box>
          <Box height={1}>
            <T tone="dim">{clip(`  the same as: ${proof.command}`, width)}</T>
          </Box>
        </Box>
      ) : null}
      {stop ? <StopBanner text={stop} width={width} /> : null}
      <KeyLegend
        hints={[{keys: 'Ctrl-C or q', does: stop ? 'stopping…' : 'stop safely (never half-applied)'}]}
        width={width}
      />
    </Box>
  );
}
