import {useCallback, useReducer, useRef} from 'react';
import {EMPTY_FIELD, type FieldAction, type FieldState, fieldReducer} from '../state/text-field.js';

/**
 * A text field whose current value is readable at once by the next key in the same chunk: a paste
 * followed by Enter ("192.0.2.10\r") arrives in one read, before React renders again, so Enter must not
 * see the value of the last render.
 */
export function useField(initial = ''): {field: FieldState; edit(a: FieldAction): void; current(): FieldState} {
  const ref = useRef<FieldState>(initial ? {value: initial} : EMPTY_FIELD);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const edit = useCallback((a: FieldAction) => {
    ref.current = fieldReducer(ref.current, a);
    rerender();
  }, []);
  const current = useCallback(() => ref.current, []);
  return {field: ref.current, edit, current};
}
