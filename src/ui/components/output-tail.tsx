import {Box} from 'ink';
import {clip} from '../model/lines.js';
import {T} from '../theme.js';

/** The last `rows - 1` lines of command output under a heading; older lines scroll away. */
export function OutputTail({lines, rows, width}: {lines: readonly string[]; rows: number; width: number}) {
  if (rows < 2 || lines.length === 0) return null;
  const shown = lines.slice(-(rows - 1));
  return (
    <Box flexDirection="column">
      <Box height={1}>
        <T tone="dim">output (last lines)</T>
      </Box>
      {shown.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a tail row is its position
        <Box key={i} height={1}>
          <T tone="dim">{clip(`│ ${l}`, width)}</T>
        </Box>
      ))}
    </Box>
  );
}
