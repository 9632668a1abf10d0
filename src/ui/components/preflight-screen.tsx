import {Box, useInput} from 'ink';
import {useMemo} from 'react';
import type {Finding} from '../../core/types.js';
import {isCtrlC} from '../hooks/keys.js';
import {block, clip, type Line} from '../model/lines.js';
import type {PreflightInfo} from '../model/preflight-info.js';
import {preflightLines} from '../model/preflight-lines.js';
import type {StepView} from '../state/types.js';
import {T} from '../theme.js';
import {KeyLegend} from './key-legend.js';
import {LinesView} from './lines-view.js';
import {STEP_STATUS} from './status.js';

/** Rows of `lines` that fit in `room`; the last row says how many more there are when some do not. */
export function capLines(lines: readonly Line[], room: number): Line[] {
  if (lines.length <= room) return [...lines];
  const keep = Math.max(0, room - 1);
  return [
    ...lines.slice(0, keep),
    {text: `… ${lines.length - keep} more line(s), printed in full when you go on`, tone: 'dim'},
  ];
}

/**
 * What was found: platform, the operator's own way in, what listens and what is exposed, the
 * preflight findings, and the runbook ahead. Enter goes on to the first change; q or Esc quits.
 */
export function PreflightScreen({
  host,
  info,
  steps,
  findings,
  width,
  height,
  isActive = true,
  onContinue,
}: {
  host: string;
  info: PreflightInfo;
  steps: readonly StepView[];
  findings: readonly Finding[];
  width: number;
  height: number;
  isActive?: boolean;
  onContinue(go: boolean): void;
}) {
  useInput(
    (input, key) => {
      if (isCtrlC(input, key)) return;
      if (key.return) onContinue(true);
      else if (key.escape || input === 'q') onContinue(false);
    },
    {isActive},
  );
  const lines = useMemo(() => preflightLines(info, findings, width), [info, findings, width]);
  const runbook = steps
    .map(
      (s, i) =>
        `${i + 1} ${s.title}${s.status === 'pending' || s.status === 'planning' ? '' : ` ${STEP_STATUS[s.status].glyph}`}`,
    )
    .join(' · ');
  // The whole runbook, wrapped (never cut to "5 f…"): the operator reads what is about to happen.
  const runbookRows = block(`Runbook: ${runbook}`, 'accent', width, 0, undefined, 9);
  const room = height - 1 - runbookRows.length - 1;
  return (
    <Box flexDirection="column">
      <Box height={1}>
        <T tone="bold">{clip(`Found on ${host}`, width)}</T>
      </Box>
      <LinesView lines={capLines(lines, room)} />
      <LinesView lines={runbookRows} />
      <KeyLegend
        hints={[
          {keys: 'Enter', does: 'review the first change'},
          {keys: 'q/Esc', does: 'quit, nothing changed'},
          {keys: 'Ctrl-C', does: 'quit'},
        ]}
        width={width}
      />
    </Box>
  );
}
