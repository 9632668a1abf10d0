// The one way UI tests render: ink-testing-library behind a helper, so it can be swapped. Colour,
// terminal size and the clock are fixed here, so frames are the same on every machine.
import chalk from 'chalk';
import {cleanup, render} from 'ink-testing-library';
import type {ReactNode} from 'react';
import {ClockProvider} from '../../src/ui/hooks/use-now.js';
import {type TerminalSize, TerminalSizeProvider} from '../../src/ui/terminal-size.js';
import {ThemeProvider} from '../../src/ui/theme.js';

export interface RenderOptions {
  /** @default 80 */
  columns?: number;
  /** @default 24 */
  rows?: number;
  /** Colour on: frames carry ANSI codes (16 colours). @default false, plain text */
  color?: boolean;
  /** The clock countdowns read. @default a fixed instant */
  now?: () => number;
}

/** 2026-11-21 12:00:00 UTC: what `now` returns unless a test moves it. */
export const FIXED_NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

const KEYS = {
  enter: '\r',
  escape: '\u001b',
  up: '\u001b[A',
  down: '\u001b[B',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  backspace: '\u007f',
  ctrlC: '\u0003',
} as const;

export type KeyName = keyof typeof KEYS;

/** Lets Ink's input parser, React and the throttled renderer run (a lone ESC waits for setImmediate). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 0));
}

export async function renderUi(node: ReactNode, o: RenderOptions = {}) {
  chalk.level = 1;
  const wrap = (n: ReactNode, size: TerminalSize) => (
    <ThemeProvider theme={{color: o.color ?? false}}>
      <TerminalSizeProvider size={size}>
        <ClockProvider now={o.now ?? (() => FIXED_NOW)}>{n}</ClockProvider>
      </TerminalSizeProvider>
    </ThemeProvider>
  );
  const r = render(wrap(node, {columns: o.columns ?? 80, rows: o.rows ?? 24}));
  // useInput subscribes in an effect: let it attach before a test types.
  await settle();
  const frame = () => r.lastFrame() ?? '';
  return {
    ...r,
    frame,
    /** Draws `n` in place of the node, as after a resize to `size` (same colour and clock), and waits for Ink. */
    async resize(n: ReactNode, size: TerminalSize) {
      r.rerender(wrap(n, size));
      await settle();
    },
    /** Presses a named key and waits until Ink has handled it. */
    async press(key: KeyName) {
      r.stdin.write(KEYS[key]);
      await settle();
    },
    /** Types text one character at a time, as a person does. */
    async type(text: string) {
      for (const ch of text) {
        r.stdin.write(ch);
        await settle();
      }
    },
    /** Pastes text in one chunk, as a terminal delivers a paste (or tmux send-keys -l). */
    async paste(text: string) {
      r.stdin.write(text);
      await settle();
    },
    /** The rows of the last frame, trailing spaces trimmed. */
    rows: () =>
      frame()
        .split('\n')
        .map((l) => l.trimEnd()),
  };
}

export {cleanup};
