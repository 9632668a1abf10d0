import {Box} from 'ink';
import {assertNever} from '../../util/errors.js';
import {wrapText} from '../model/lines.js';
import {clockTime} from '../model/time.js';
import type {StepView, StopPlan} from '../state/types.js';
import {T} from '../theme.js';

export const STOP_ROWS = 2;

/** What the operator is waiting for after asking to stop; `undefined` when nothing is pending. */
export function stopMessage(plan: StopPlan | undefined, step: StepView | undefined): string | undefined {
  if (!plan) return undefined;
  const title = step?.title ?? 'the step';
  switch (plan.kind) {
    case 'finish-step':
      return `Stopping: ${title} finishes (or rolls back) first, then the run stops before the next step.`;
    case 'wait-segment':
      return `Stopping: the commands in flight finish, then the dead-man timer restores ${title} at ${clockTime(plan.deadline)}.`;
    case 'exit-now':
    case 'decline':
    case 'exit-timer':
      return undefined;
    default:
      return assertNever(plan, 'stop plan');
  }
}

export function StopBanner({text, width}: {text: string; width: number}) {
  const rows = wrapText(`■ ${text}`, width).slice(0, STOP_ROWS);
  return (
    <Box height={STOP_ROWS} flexDirection="column">
      {rows.map((r) => (
        <T key={r} tone="warn">
          {r}
        </T>
      ))}
    </Box>
  );
}
