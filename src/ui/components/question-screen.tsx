import {Box, useInput} from 'ink';
import {useRef, useState} from 'react';
import {isCtrlC, typedKeys} from '../hooks/keys.js';
import {useField} from '../hooks/use-field.js';
import {block, clip} from '../model/lines.js';
import {checkAnswer, type Question} from '../model/questions.js';
import type {StepView} from '../state/types.js';
import {T} from '../theme.js';
import {KeyLegend} from './key-legend.js';
import {LinesView} from './lines-view.js';
import {PickList} from './pick-list.js';
import {StepHeader} from './step-header.js';

/**
 * A value a step needs before it can plan, asked inside the wizard: a name (prefilled with its default),
 * a pick list that says what each choice trades away, or a secret typed twice as dots. `onAnswer`
 * returns why an answer is refused (shown under the field), undefined once taken; undefined text declines.
 */
export function QuestionScreen({
  steps,
  step,
  question,
  width,
  isActive = true,
  onAnswer,
}: {
  steps: readonly StepView[];
  step: StepView;
  question: Question;
  width: number;
  isActive?: boolean;
  onAnswer(text: string | undefined): string | undefined;
}) {
  const {field, edit, current} = useField(question.kind === 'text' ? question.initial : '');
  // Read at once by the next key of the same chunk (↓ then Enter), not from the last render.
  const pickRef = useRef(0);
  const [picked, setPickedState] = useState(0);
  const setPicked = (f: (p: number) => number) => {
    pickRef.current = f(pickRef.current);
    setPickedState(pickRef.current);
  };
  // The first entry of a secret, while it is typed again; read at once by keys of the same chunk.
  const first = useRef<string | undefined>(undefined);
  const [, setAgain] = useState(false);
  const fail = (message: string) => {
    edit({type: 'clear'});
    edit({type: 'error', message});
  };
  const send = () => {
    const error = onAnswer(current().value);
    if (error) fail(error);
  };
  const sendSecret = () => {
    const text = current().value;
    if (first.current === undefined) {
      // Checked before it is typed again: a refused password is not typed twice for nothing.
      const r = checkAnswer(question, text);
      if ('error' in r) return fail(r.error);
      first.current = text;
      setAgain(true);
      edit({type: 'clear'});
      return;
    }
    const before = first.current;
    first.current = undefined;
    setAgain(false);
    if (text !== before) return fail('the two entries differ; type the password again');
    const error = onAnswer(text);
    if (error) fail(error);
  };
  useInput(
    (input, key) => {
      if (isCtrlC(input, key)) return;
      if (key.escape) return onAnswer(undefined);
      if (question.kind === 'choice') {
        if (key.upArrow) return setPicked((p) => Math.max(0, p - 1));
        if (key.downArrow) return setPicked((p) => Math.min(question.choices.length - 1, p + 1));
        // A digit picks by number; Enter (in the same read too: "2\r") chooses.
        for (const t of typedKeys(input, key)) {
          if (t.kind === 'enter') {
            const c = question.choices[pickRef.current];
            if (c) onAnswer(c.value);
            return;
          }
          if (t.kind !== 'text') continue;
          const n = Number(t.text.slice(-1));
          if (Number.isInteger(n) && n >= 1 && n <= question.choices.length) setPicked(() => n - 1);
        }
        return;
      }
      for (const t of typedKeys(input, key)) {
        if (t.kind === 'enter') return question.kind === 'secret' ? sendSecret() : send();
        edit(t.kind === 'delete' ? {type: 'delete-left'} : {type: 'insert', text: t.text});
      }
    },
    {isActive},
  );
  const about = block(question.about, 'dim', width, 0);
  const label = question.kind === 'secret' ? (first.current === undefined ? 'password' : 'again') : question.key;
  const shown = question.kind === 'secret' ? '•'.repeat(Array.from(field.value).length) : field.value;
  const legend =
    question.kind === 'choice'
      ? [
          {keys: '↑↓', does: 'pick'},
          {keys: 'Enter', does: 'choose'},
          {keys: 'Esc', does: 'stop here'},
          {keys: 'Ctrl-C', does: 'stop'},
        ]
      : [
          {keys: 'Enter', does: question.kind === 'secret' && first.current === undefined ? 'next' : 'use it'},
          {keys: 'Esc', does: 'stop here'},
          {keys: 'Ctrl-C', does: 'stop'},
        ];
  return (
    <Box flexDirection="column">
      <StepHeader steps={steps} current={step} width={width} />
      <Box height={1}>
        <T tone="accent">{clip(question.title, width)}</T>
      </Box>
      <LinesView lines={about} />
      {question.kind === 'choice' ? (
        <PickList choices={question.choices} picked={picked} width={width} />
      ) : (
        <Box height={1}>
          <T tone="bold">{clip(`${label} › ${shown}█`, width)}</T>
        </Box>
      )}
      <Box height={1}>
        <T tone="error">{clip(field.error ?? '', width)}</T>
      </Box>
      <KeyLegend hints={legend} width={width} />
    </Box>
  );
}
