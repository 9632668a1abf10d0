import {Box} from 'ink';
import {clip} from '../model/lines.js';
import {T} from '../theme.js';

export interface KeyHint {
  keys: string;
  does: string;
}

/** The keys that work on this screen, always on the last row. */
export function KeyLegend({hints, width}: {hints: readonly KeyHint[]; width: number}) {
  const text = hints.map((h) => `${h.keys} ${h.does}`).join(' · ');
  return (
    <Box height={1}>
      <T tone="dim">{clip(text, width)}</T>
    </Box>
  );
}
