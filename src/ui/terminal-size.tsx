import {useStdout} from 'ink';
import {createContext, type ReactNode, useContext, useEffect, useState} from 'react';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** Used when the stream does not say (pipes, tests): the classic terminal. */
export const FALLBACK: TerminalSize = {columns: 80, rows: 24};

const SizeContext = createContext<TerminalSize | undefined>(undefined);

/** Fixes the size (tests, and the narrowest layout we support); otherwise the terminal's own size is used. */
export function TerminalSizeProvider({size, children}: {size?: TerminalSize; children: ReactNode}) {
  return <SizeContext.Provider value={size}>{children}</SizeContext.Provider>;
}

function read(s: {columns?: number; rows?: number}): TerminalSize {
  return {columns: Math.max(40, s.columns || FALLBACK.columns), rows: Math.max(12, s.rows || FALLBACK.rows)};
}

/** Columns and rows, following resizes. The live region is kept below `rows` so Ink never clears the screen. */
export function useTerminalSize(): TerminalSize {
  const fixed = useContext(SizeContext);
  const {stdout} = useStdout();
  const [size, setSize] = useState(() => read(stdout));
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [fixed, stdout]);
  return fixed ?? size;
}
