import {Box} from 'ink';
import {clip, type Line} from '../model/lines.js';
import {T} from '../theme.js';
import {LinesView} from './lines-view.js';

/**
 * `height` rows of `lines` from `offset`, then one indicator row saying where the viewport is and
 * whether there is more below: nothing is ever cut off without the operator being told.
 */
export function ScrollView({
  lines,
  offset,
  height,
  width,
}: {
  lines: readonly Line[];
  offset: number;
  height: number;
  width: number;
}) {
  const shown = lines.slice(offset, offset + height);
  const last = offset + shown.length;
  const more = last < lines.length;
  const where =
    lines.length <= height
      ? `all ${lines.length} lines shown`
      : `lines ${offset + 1}–${last} of ${lines.length}${more ? ' · ↓/PgDn for more' : ' · end'}${offset > 0 ? ' · ↑/PgUp back' : ''}`;
  return (
    <Box flexDirection="column">
      <Box flexDirection="column" height={height}>
        <LinesView lines={shown} />
      </Box>
      <Box height={1}>
        <T tone={more ? 'accent' : 'dim'}>{clip(`── ${where} ──`, width)}</T>
      </Box>
    </Box>
  );
}
