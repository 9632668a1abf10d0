import {defaultTheme, extendTheme, ThemeProvider as InkUiThemeProvider} from '@inkjs/ui';
import {Text} from 'ink';
import {createContext, type ReactNode, useContext, useMemo} from 'react';
import type {Tone} from './model/lines.js';

export interface Theme {
  /** False under NO_COLOR (and in most tests): no colour, bold or dim at all, plain text only. */
  color: boolean;
}

const ThemeContext = createContext<Theme>({color: true});

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

export interface ToneStyle {
  color?: string;
  bold?: boolean;
  dimColor?: boolean;
}

const STYLES: Record<Tone, ToneStyle> = {
  plain: {},
  dim: {dimColor: true},
  bold: {bold: true},
  add: {color: 'green'},
  del: {color: 'red'},
  hunk: {color: 'cyan'},
  cmd: {color: 'cyan'},
  warn: {color: 'yellow'},
  error: {color: 'red', bold: true},
  ok: {color: 'green'},
  accent: {color: 'magenta', bold: true},
};

export function toneStyle(tone: Tone, theme: Theme): ToneStyle {
  return theme.color ? STYLES[tone] : {};
}

/** Text in a tone; `wrap` defaults to truncating, since rows are wrapped by the models beforehand. */
export function T({
  tone = 'plain',
  children,
  wrap = 'truncate-end',
}: {
  tone?: Tone;
  children: ReactNode;
  wrap?: 'wrap' | 'truncate-end';
}) {
  const theme = useTheme();
  return (
    <Text {...toneStyle(tone, theme)} wrap={wrap}>
      {children}
    </Text>
  );
}

/** Our theme, and @inkjs/ui's components stripped of colour when ours has none. */
export function ThemeProvider({theme, children}: {theme: Theme; children: ReactNode}) {
  const ui = useMemo(
    () =>
      theme.color
        ? defaultTheme
        : extendTheme(defaultTheme, {
            components: {
              Spinner: {styles: {frame: () => ({})}},
              ProgressBar: {styles: {completed: () => ({}), remaining: () => ({})}},
            },
          }),
    [theme.color],
  );
  return (
    <ThemeContext.Provider value={theme}>
      <InkUiThemeProvider theme={ui}>{children}</InkUiThemeProvider>
    </ThemeContext.Provider>
  );
}
