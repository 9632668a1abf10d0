import {Box, useInput} from 'ink';
import {useCallback, useRef, useState} from 'react';
import {isCtrlC, typedKeys} from '../hooks/keys.js';
import type {EditableValue} from '../model/editable.js';
import {clip, wrapText} from '../model/lines.js';
import {EMPTY_FORM, type ValueFormAction, type ValueFormState, valueFormReducer} from '../state/value-form.js';
import {T} from '../theme.js';
import {KeyLegend} from './key-legend.js';
import {PickList} from './pick-list.js';

/**
 * The step's recipe values in the review: ↑↓ pick a key, Enter edits its value (prefilled), Enter
 * applies it (checked as `--set` checks it; the step is planned again), Esc cancels or closes.
 */
export function ValueForm({
  title,
  rows,
  width,
  isActive = true,
  onApply,
  onClose,
}: {
  title: string;
  rows: readonly EditableValue[];
  width: number;
  isActive?: boolean;
  /** Returns why the value was refused, or undefined once it is taken. */
  onApply(key: string, text: string): string | undefined;
  onClose(): void;
}) {
  // Read at once by the next key of the same chunk (a paste followed by Enter), as in useField.
  const ref = useRef<ValueFormState>(EMPTY_FORM);
  const [, setN] = useState(0);
  const act = useCallback(
    (a: ValueFormAction) => {
      ref.current = valueFormReducer(ref.current, a, rows);
      setN((n) => n + 1);
    },
    [rows],
  );
  const apply = () => {
    const e = ref.current.editing;
    if (!e) return;
    const choice = e.pick === undefined ? undefined : rows.find((r) => r.key === e.key)?.choices?.[e.pick];
    const error = onApply(e.key, choice ? choice.value : e.text);
    if (error) act({type: 'error', message: error});
  };
  useInput(
    (input, key) => {
      if (isCtrlC(input, key)) return;
      const s = ref.current;
      if (!s.editing) {
        if (key.escape) return onClose();
        if (key.upArrow) return act({type: 'move', delta: -1});
        if (key.downArrow) return act({type: 'move', delta: 1});
        if (key.return) return act({type: 'open'});
        return;
      }
      if (key.escape) return act({type: 'cancel'});
      if (s.editing.pick !== undefined) {
        if (key.upArrow) return act({type: 'pick', delta: -1});
        if (key.downArrow) return act({type: 'pick', delta: 1});
        if (key.return) return apply();
        return;
      }
      for (const t of typedKeys(input, key)) {
        if (t.kind === 'enter') return apply();
        act(t.kind === 'delete' ? {type: 'delete-left'} : {type: 'insert', text: t.text});
      }
    },
    {isActive},
  );
  const s = ref.current;
  const picked = rows[s.index];
  const about = picked ? wrapText(`${picked.key}: ${picked.description}`, width) : [];
  const name = Math.max(...rows.map((r) => r.key.length), 4) + 2;
  const editing = s.editing;
  // The end of a long value stays in view while typing.
  const fieldText = editing ? `${editing.key}=${editing.text}█` : '';
  const shown = Array.from(fieldText)
    .slice(-Math.max(1, width - 2))
    .join('');
  return (
    <Box flexDirection="column">
      <Box height={1}>
        <T tone="accent">{clip(`Values for "${title}": the step is planned again before it is asked again`, width)}</T>
      </Box>
      {rows.map((r, i) => (
        <Box key={r.key} height={1}>
          <T tone={i === s.index ? 'bold' : 'plain'}>
            {clip(`${i === s.index ? '›' : ' '} ${r.key.padEnd(name)}${r.set ? r.text : '(default)'}`, width)}
          </T>
        </Box>
      ))}
      {[0, 1].map((i) => (
        <Box key={`about${i}`} height={1}>
          <T tone="dim">{clip(about[i] ?? '', width)}</T>
        </Box>
      ))}
      {editing?.pick !== undefined && picked?.choices ? (
        <PickList choices={picked.choices} picked={editing.pick} width={width} />
      ) : (
        <Box height={1}>
          <T tone="bold">{editing ? `› ${shown}` : ''}</T>
        </Box>
      )}
      {/* The reason whole (two rows at most): a refusal cut mid-sentence does not say what to do. */}
      {(editing?.error ? wrapText(editing.error, width).slice(0, 2) : ['']).map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a wrapped row is its position
        <Box key={i} height={1}>
          <T tone="error">{row}</T>
        </Box>
      ))}
      <KeyLegend
        hints={
          editing?.pick !== undefined
            ? [
                {keys: '↑↓', does: 'pick'},
                {keys: 'Enter', does: 'apply and plan again'},
                {keys: 'Esc', does: 'cancel'},
              ]
            : editing
              ? [
                  {keys: 'Enter', does: 'apply and plan again'},
                  {keys: 'empty', does: 'the default'},
                  {keys: 'Esc', does: 'cancel'},
                ]
              : [
                  {keys: '↑↓', does: 'pick'},
                  {keys: 'Enter', does: 'edit'},
                  {keys: 'Esc', does: 'back to the review'},
                  {keys: 'Ctrl-C', does: 'stop'},
                ]
        }
        width={width}
      />
    </Box>
  );
}
