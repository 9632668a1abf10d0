import {useInput} from 'ink';
import type {ScrollAction} from '../state/scroll.js';
import type {FieldAction} from '../state/text-field.js';
import {isCtrlC, scrollKey, typedKeys} from './keys.js';

export interface ReviewKeys {
  /** Lockout steps take the typed host name; others a single key. */
  typed: boolean;
  isActive: boolean;
  scroll(a: ScrollAction): void;
  field(a: FieldAction): void;
  /** Enter on the typed field. */
  submit(): void;
  answer(ok: boolean): void;
  /** Opens the value form (Tab; also e on a one-key step); undefined when the step has nothing to edit. */
  edit?(): void;
}

/**
 * Keys on the step review: arrows/PgUp/PgDn scroll the plan; e or Tab opens the step's values (Tab only
 * while a host name is being typed, where e is a letter); y or Enter applies a reversible step;
 * a lockout step applies only on Enter after its host name was typed; n, q (not while typing) and
 * Esc stop before the step.
 */
export function useReviewKeys(k: ReviewKeys): void {
  useInput(
    (input, key) => {
      if (isCtrlC(input, key)) return;
      const s = scrollKey(key);
      if (s) return k.scroll(s);
      if (key.escape) return k.answer(false);
      if (k.edit && (key.tab || (!k.typed && (input === 'e' || input === 'E')))) return k.edit();
      if (k.typed) {
        for (const t of typedKeys(input, key)) {
          if (t.kind === 'enter') return k.submit();
          k.field(t.kind === 'delete' ? {type: 'delete-left'} : {type: 'insert', text: t.text});
        }
        return;
      }
      if (key.return || input === 'y' || input === 'Y') return k.answer(true);
      if (input === 'n' || input === 'N' || input === 'q') return k.answer(false);
      if (input === ' ') k.scroll({type: 'page', delta: 1});
    },
    {isActive: k.isActive},
  );
}
