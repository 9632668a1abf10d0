import {Spinner} from '@inkjs/ui';
import {Box} from 'ink';
import {clip} from '../model/lines.js';
import type {StepView} from '../state/types.js';
import {T} from '../theme.js';
import {RISK_WORD, stepStatus} from './status.js';

const BUSY = new Set(['planning', 'applying', 'proving']);

/**
 * The live part of the runbook list: the step at hand with its status and risk, and the steps still
 * to come. Finished steps are not here: they were printed once above (Ink <Static>).
 */
export function StepHeader({steps, current, width}: {steps: readonly StepView[]; current: StepView; width: number}) {
  const n = steps.indexOf(current) + 1;
  const st = stepStatus(current);
  const risk = RISK_WORD[current.risk];
  const later = steps.slice(n).filter((s) => s.status === 'pending');
  const head = `${n}/${steps.length} ${current.title}`;
  return (
    <Box flexDirection="column">
      <Box height={1} gap={1}>
        {BUSY.has(current.status) ? <Spinner /> : <T tone={st.tone}>{st.glyph}</T>}
        <T tone="bold">{head}</T>
        <T tone={st.tone}>{st.word}</T>
        <T tone="dim">·</T>
        <T tone={risk.tone}>{risk.word}</T>
      </Box>
      <Box height={1}>
        <T tone="dim">
          {clip(later.length ? `  then: ${later.map((s) => s.title).join(' · ')}` : '  last step', width)}
        </T>
      </Box>
    </Box>
  );
}
