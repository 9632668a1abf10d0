import {Box} from 'ink';
import type {Line} from '../model/lines.js';
import {LABEL} from '../model/review-lines.js';
import {T} from '../theme.js';

/** A row to copy is as wide as its text (Line.nowrap); other rows take the width they are given. */
function rowWidth(l: Line): {width?: number; flexShrink?: number} {
  if (!l.nowrap) return {};
  return {width: (l.label === undefined ? 0 : LABEL) + Array.from(l.text).length, flexShrink: 0};
}

/** Pre-wrapped rows, one terminal row each; labelled rows get the label column. */
export function LinesView({lines}: {lines: readonly Line[]}) {
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        // Rows are positional: the same index is the same row of the viewport.
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their position
        <Box key={i} height={1} {...rowWidth(l)}>
          {l.label !== undefined ? <T tone="bold">{l.label.padEnd(LABEL)}</T> : null}
          <T tone={l.tone}>{l.text || ' '}</T>
        </Box>
      ))}
    </Box>
  );
}
