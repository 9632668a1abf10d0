import {Box} from 'ink';
import type {ReactNode} from 'react';
import {block, type Line} from '../model/lines.js';
import {findingLines} from '../model/review-lines.js';
import type {StepView} from '../state/types.js';
import {T} from '../theme.js';
import {LinesView} from './lines-view.js';
import {STEP_STATUS} from './status.js';

/**
 * Extra panels under a finished step, by step id: the place for results an operator takes away
 * (a WireGuard client's QR code, for one). Each gets the finished step and the width.
 */
export const RESULT_PANELS: Record<string, (p: {step: StepView; width: number}) => ReactNode> = {};

/** The lines under a finished step's title: counts, proofs, why it ended, warnings. */
export function resultLines(s: StepView, width: number, withFindings: boolean): Line[] {
  const out: Line[] = [];
  const w = width - 4;
  if (s.status === 'done')
    out.push(...block(`${s.changed ?? 0} change(s) in ${((s.ms ?? 0) / 1000).toFixed(1)} s`, 'dim', w, 4));
  for (const p of s.proofs) {
    if (p.state === 'ok') out.push(...block(`✔ proven: ${p.what} (${p.command}, ${p.ms ?? 0} ms)`, 'ok', w, 4));
    if (p.state === 'failed' && !s.reason)
      out.push(...block(`✘ not proven: ${p.what}: ${p.reason ?? ''}`, 'error', w, 4));
  }
  if (s.reason)
    out.push(...block(s.reason, s.status === 'rolled-back' || s.status === 'failed' ? 'error' : 'dim', w, 4));
  if (s.status === 'declined') out.push(...block('nothing of this step was changed', 'dim', w, 4));
  if (s.status === 'left-to-timer' && s.timer)
    out.push(...block(`its change is live until the timer restores it (${s.timer.seconds} s window)`, 'warn', w, 4));
  if (withFindings)
    out.push(
      ...findingLines(
        s.findings.filter((f) => f.level !== 'info'),
        w,
        4,
      ),
    );
  return out;
}

/** A finished step as printed once in the static log. */
export function StepResult({
  step,
  width,
  withFindings = true,
}: {
  step: StepView;
  width: number;
  withFindings?: boolean;
}) {
  const st = STEP_STATUS[step.status];
  const Panel = RESULT_PANELS[step.id];
  return (
    <Box flexDirection="column">
      <Box gap={1}>
        <T tone={st.tone}>{st.glyph}</T>
        <T tone="bold">{step.title}</T>
        <T tone={st.tone}>{st.word}</T>
      </Box>
      <LinesView lines={resultLines(step, width, withFindings)} />
      {Panel ? <Panel step={step} width={width} /> : null}
    </Box>
  );
}
