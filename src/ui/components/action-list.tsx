import {Box} from 'ink';
import {clip} from '../model/lines.js';
import {actionWindow} from '../model/progress-layout.js';
import type {ActionRow} from '../state/types.js';
import {T} from '../theme.js';
import {ROW_GLYPH} from './status.js';

/** The step's actions with a status glyph each, folded to `rows` rows (heading included). */
export function ActionList({actions, rows, width}: {actions: readonly ActionRow[]; rows: number; width: number}) {
  const w = actionWindow(actions, Math.max(1, rows - 1));
  return (
    <Box flexDirection="column">
      <Box height={1}>
        <T tone="dim">actions</T>
      </Box>
      {w.before ? (
        <Box height={1}>
          <T tone="ok">{clip(`  ✔ ${w.before} done`, width)}</T>
        </Box>
      ) : null}
      {w.shown.map(({row, index}) => (
        <Box key={index} height={1}>
          <T tone={ROW_GLYPH[row.status].tone}>{`  ${ROW_GLYPH[row.status].glyph} `}</T>
          <T tone={row.status === 'pending' ? 'dim' : 'plain'}>{clip(row.summary, width - 4)}</T>
        </Box>
      ))}
      {w.after ? (
        <Box height={1}>
          <T tone="dim">{clip(`  · ${w.after} more`, width)}</T>
        </Box>
      ) : null}
    </Box>
  );
}
