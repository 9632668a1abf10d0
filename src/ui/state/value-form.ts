import type {EditableValue} from '../model/editable.js';

/** The review's value form: which key is picked, and the text being typed for it. */
export interface ValueFormState {
  index: number;
  editing?: {key: string; text: string; error?: string};
}

export type ValueFormAction =
  | {type: 'move'; delta: number}
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
      return {...s, editing: {key: row.key, text: row.text}};
    }
    case 'insert': {
      if (!s.editing) return s;
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      const text = a.text.replace(/[\u0000-\u001f\u007f]/g, '');
      if (!text) return s;
      return {...s, editing: {key: s.editing.key, text: (s.editing.text + text).slice(0, VALUE_MAX)}};
    }
    case 'delete-left':
      if (!s.editing) return s;
      return {...s, editing: {key: s.editing.key, text: Array.from(s.editing.text).slice(0, -1).join('')}};
    case 'error':
      if (!s.editing) return s;
      return {...s, editing: {...s.editing, error: a.message}};
    case 'cancel':
      return {index: s.index};
  }
}
