import {Box} from 'ink';
import {useEffect, useMemo, useReducer, useRef, useState} from 'react';
import {useField} from '../hooks/use-field.js';
import {useReviewKeys} from '../hooks/use-review-keys.js';
import {reviewLines, timerSeconds} from '../model/review-lines.js';
import {type ScrollAction, scrollReducer} from '../state/scroll.js';
import {confirmsHost} from '../state/text-field.js';
import type {StepView} from '../state/types.js';
import {ConsentBar, consentRows} from './consent-bar.js';
import {KeyLegend} from './key-legend.js';
import {ScrollView} from './scroll-view.js';
import {StepHeader} from './step-header.js';
import {ValueForm} from './value-form.js';

/**
 * One planned step before it runs: why, risk, undo, values, the plan with its diffs and commands in a
 * scrolling viewport, and the consent bar. `height` is every row the live region may use.
 */
export function StepReview({
  steps,
  step,
  host,
  width,
  height,
  isActive = true,
  acceptAfterMs = 400,
  onAnswer,
  onEdit,
}: {
  steps: readonly StepView[];
  step: StepView;
  host: string;
  width: number;
  height: number;
  isActive?: boolean;
  /**
   * A one-key approval is ignored until the review has been up this long, so a key meant for the screen
   * before (a second Enter) cannot apply a step nobody read. Declining and typed consent work at once.
   * @default 400
   */
  acceptAfterMs?: number;
  onAnswer(ok: boolean): void;
  /**
   * An edited recipe value as text: returns why it was refused, or undefined once the step is being
   * planned again with it. Without it (or without editable values) the review offers no form.
   */
  onEdit?(key: string, text: string): string | undefined;
}) {
  const editable = onEdit && step.editable?.length ? step.editable : undefined;
  const [form, setForm] = useState(false);
  const armed = useRef(acceptAfterMs <= 0);
  useEffect(() => {
    if (acceptAfterMs <= 0) return;
    const t = setTimeout(() => {
      armed.current = true;
    }, acceptAfterMs);
    return () => clearTimeout(t);
  }, [acceptAfterMs]);
  const answer = (ok: boolean) => {
    if (ok && !typed && !armed.current) return;
    onAnswer(ok);
  };
  const typed = step.risk === 'lockout';
  const lines = useMemo(() => reviewLines(step, width), [step, width]);
  const view = Math.max(3, height - 2 - 1 - consentRows(typed) - 1);
  const [scroll, scrollBy] = useReducer(
    (s: {offset: number}, a: ScrollAction) => scrollReducer(s, a, lines.length, view),
    {offset: 0},
  );
  const {field, edit, current} = useField();
  useReviewKeys({
    typed,
    isActive: isActive && !form,
    edit: editable && (() => setForm(true)),
    scroll: scrollBy,
    field: edit,
    answer,
    submit: () => {
      const typedNow = current().value;
      if (confirmsHost(typedNow, host)) answer(true);
      else {
        edit({type: 'clear'});
        edit({
          type: 'error',
          message: `"${typedNow.trim()}" is not ${host}; nothing was applied. Type it again, or Esc to stop.`,
        });
      }
    },
  });
  const hints = typed
    ? [
        {keys: '↑↓ PgUp PgDn', does: 'scroll'},
        {keys: 'host+Enter', does: 'apply'},
        ...(editable ? [{keys: 'Tab', does: 'edit'}] : []),
        {keys: 'Esc', does: 'not now'},
        {keys: 'Ctrl-C', does: 'stop'},
      ]
    : [
        {keys: '↑↓ PgUp PgDn', does: 'scroll'},
        {keys: 'y/Enter', does: 'apply'},
        ...(editable ? [{keys: 'e', does: 'edit'}] : []),
        {keys: 'n/Esc/q', does: 'not now'},
        {keys: 'Ctrl-C', does: 'stop'},
      ];
  if (form && editable && onEdit)
    return (
      <Box flexDirection="column">
        <StepHeader steps={steps} current={step} width={width} />
        <ValueForm
          title={step.title}
          rows={editable}
          width={width}
          isActive={isActive}
          onApply={onEdit}
          onClose={() => setForm(false)}
        />
      </Box>
    );
  return (
    <Box flexDirection="column">
      <StepHeader steps={steps} current={step} width={width} />
      <ScrollView
        lines={lines}
        offset={Math.min(scroll.offset, Math.max(0, lines.length - view))}
        height={view}
        width={width}
      />
      <ConsentBar
        title={step.title}
        host={host}
        typed={typed}
        seconds={timerSeconds(step.planned)}
        field={field}
        width={width}
      />
      <KeyLegend hints={hints} width={width} />
    </Box>
  );
}
