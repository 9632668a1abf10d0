import type {Key} from 'ink';
import type {ScrollAction} from '../state/scroll.js';

/** Arrows, PgUp/PgDn, Home/End: the same scrolling keys on every screen that scrolls. */
export function scrollKey(key: Key): ScrollAction | undefined {
  if (key.upArrow) return {type: 'line', delta: -1};
  if (key.downArrow) return {type: 'line', delta: 1};
  if (key.pageUp) return {type: 'page', delta: -1};
  if (key.pageDown) return {type: 'page', delta: 1};
  if (key.home) return {type: 'home'};
  if (key.end) return {type: 'end'};
  return undefined;
}

/** Ctrl-C arrives as input in raw mode (Ink's exitOnCtrlC is off): the wizard decides what stopping means. */
export function isCtrlC(input: string, key: Key): boolean {
  return key.ctrl && input === 'c';
}

/** Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`: both delete to the left. */
export function isDeleteLeft(key: Key): boolean {
  return key.backspace || key.delete;
}

/** One piece of what a text field received in one read: text to insert, a delete to the left, or Enter. */
export type Typed = {kind: 'text'; text: string} | {kind: 'delete'} | {kind: 'enter'};

/**
 * Everything one read brought to a text field, in order. Keys typed fast or pasted arrive together
 * ("ab\x7f\x7f\r"), and Ink then reports neither backspace nor return: each DEL or BS still deletes one
 * character, and a line end still sends. Other control characters are dropped.
 */
export function typedKeys(input: string, key: Key): Typed[] {
  if (key.return) return [{kind: 'enter'}];
  if (isDeleteLeft(key)) return [{kind: 'delete'}];
  if (key.ctrl || key.meta || !input) return [];
  const out: Typed[] = [];
  let text = '';
  const flush = () => {
    if (text) out.push({kind: 'text', text});
    text = '';
  };
  for (const ch of input) {
    if (ch === '\u007f' || ch === '\b') {
      flush();
      out.push({kind: 'delete'});
    } else if (ch === '\r' || ch === '\n') {
      flush();
      out.push({kind: 'enter'});
    } else if (ch >= ' ') text += ch;
  }
  flush();
  return out;
}
