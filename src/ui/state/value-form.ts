import {assertNever} from '../../util/errors.js';
import type {EditableValue} from '../model/editable.js';

/** The review's value form: which key is picked, and the text being typed for it. */
export interface ValueFormState {
  index: number;
  /** `pick`: the answer picked, for a value with choices (picked, never typed). */
  editing?: {key: string; text: string; error?: string; pick?: number};
}

export type ValueFormAction =
  | {type: 'move'; delta: number}
  /** Up or down the open value's choices. */
  | {type: 'pick'; delta: number}
  | {type: 'open'}
  | {type: 'insert'; text: string}
  | {type: 'delete-left'}
  | {type: 'error'; message: string}
  | {type: 'cancel'};

/** Long enough for an RSA public key line; control characters never enter the text. */
export const VALUE_MAX = 4096;

export const EMPTY_FORM: ValueFormState = {index: 0};

/** Pure: the form over the step's editable values (`rows`). */
export function valueFormReducer(
  s: ValueFormState,
  a: ValueFormAction,
  rows: readonly EditableValue[],
): ValueFormState {
  switch (a.type) {
    case 'move':
      if (s.editing || !rows.length) return s;
      return {index: Math.max(0, Math.min(rows.length - 1, s.index + a.delta))};
    case 'open': {
      const row = rows[s.index];
      if (s.editing || !row) return s;
      if (row.choices?.length) {
        const at = row.choices.findIndex((c) => c.value === row.text);
        return {...s, editing: {key: row.key, text: row.text, pick: Math.max(0, at)}};
      }
      return {...s, editing: {key: row.key, text: row.text}};
    }
    case 'pick': {
      const n = rows.find((r) => r.key === s.editing?.key)?.choices?.length ?? 0;
      if (!s.editing || s.editing.pick === undefined || !n) return s;
      const pick = Math.max(0, Math.min(n - 1, s.editing.pick + a.delta));
      return {...s, editing: {key: s.editing.key, text: s.editing.text, pick}};
    }
    case 'insert': {
      if (!s.editing || s.editing.pick !== undefined) return s;
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      const text = a.text.replace(/[\u0000-\u001f\u007f]/g, '');
      if (!text) return s;
      return {...s, editing: {key: s.editing.key, text: (s.editing.text + text).slice(0, VALUE_MAX)}};
    }
    case 'delete-left':
      if (!s.editing || s.editing.pick !== undefined) return s;
      return {...s, editing: {key: s.editing.key, text: Array.from(s.editing.text).slice(0, -1).join('')}};
    case 'error':
      if (!s.editing) return s;
      return {...s, editing: {...s.editing, error: a.message}};
    case 'cancel':
      return {index: s.index};
    default:
      return assertNever(a, 'type');
  }
}
