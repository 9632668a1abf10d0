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

/**
 * Text that ends a line: a paste followed by Enter reaches Ink as one input ("192.0.2.10\r"), not as
 * text and then a return key. Returns the text before the line end, and whether there was one.
 */
export function splitEnter(input: string): {text: string; enter: boolean} {
  const i = input.search(/[\r\n]/);
  return i < 0 ? {text: input, enter: false} : {text: input.slice(0, i), enter: true};
}
