import {assertNever} from '../../util/errors.js';
/** A one-line text field (the typed host name, the sudo password). */
export interface FieldState {
  value: string;
  /** Shown under the field until the next keypress. */
  error?: string;
}

export type FieldAction =
  | {type: 'insert'; text: string}
  | {type: 'delete-left'}
  | {type: 'clear'}
  | {type: 'error'; message: string};

export const EMPTY_FIELD: FieldState = {value: ''};

/** At most this many characters: a host name or a password, never a paste of a whole file. */
export const FIELD_MAX = 256;

export function fieldReducer(s: FieldState, a: FieldAction): FieldState {
  switch (a.type) {
    case 'insert': {
      // Pasted text arrives as one chunk; control characters (and newlines) never enter the value.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      const text = a.text.replace(/[\u0000-\u001f\u007f]/g, '');
      if (!text) return s;
      return {value: (s.value + text).slice(0, FIELD_MAX)};
    }
    case 'delete-left':
      return {value: Array.from(s.value).slice(0, -1).join('')};
    case 'clear':
      return EMPTY_FIELD;
    case 'error':
      return {...s, error: a.message};
    default:
      return assertNever(a, 'type');
  }
}

/** Typed confirmation: the exact host name, surrounding spaces forgiven, nothing else. */
export function confirmsHost(typed: string, host: string): boolean {
  return typed.trim() === host;
}
