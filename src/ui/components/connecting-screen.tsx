import {Spinner} from '@inkjs/ui';
import {Box} from 'ink';
import {useNow} from '../hooks/use-now.js';
import {clip} from '../model/lines.js';
import {T} from '../theme.js';
import {KeyLegend} from './key-legend.js';

/** The first screen, shown before anything reaches the network: where we connect and what is happening. */
export function ConnectingScreen({
  label,
  note,
  since,
  width,
}: {
  label: string;
  note: string;
  since: number;
  width: number;
}) {
  const now = useNow(1000);
  const elapsed = Math.floor((now - since) / 1000);
  return (
    <Box flexDirection="column">
      <Box height={1} gap={1}>
        <Spinner />
        <T tone="bold">{clip(`connecting to ${label}`, width - 2)}</T>
      </Box>
      <Box height={1}>
        <T tone="dim">{clip(`  ${note}${elapsed >= 2 ? ` · ${elapsed} s` : ''}`, width)}</T>
      </Box>
      <KeyLegend hints={[{keys: 'Ctrl-C', does: 'quit (nothing has changed)'}]} width={width} />
    </Box>
  );
}
