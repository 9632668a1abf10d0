import {Box, Text} from 'ink';
import {invertQrRow} from '../../wg/qr.js';
import {useTheme} from '../theme.js';

/**
 * A QR code as half blocks, for a phone to scan. With colour: dark modules in black on white, whatever
 * the terminal's own colours. Without: light modules drawn in the text colour, right on the usual
 * light-on-dark terminal (as `qrencode -t UTF8` draws it).
 */
export function QrBlock({rows, indent = 0}: {rows: readonly string[]; indent?: number}) {
  const {color} = useTheme();
  const pad = ' '.repeat(indent);
  return (
    <Box flexDirection="column">
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a row of the code is its position
        <Box key={i} height={1}>
          <Text wrap="truncate-end">
            {pad}
            {color ? (
              <Text color="black" backgroundColor="white">
                {row}
              </Text>
            ) : (
              invertQrRow(row)
            )}
          </Text>
        </Box>
      ))}
    </Box>
  );
}

/** Columns the code takes. */
export function qrWidth(rows: readonly string[]): number {
  return Math.max(0, ...rows.map((r) => Array.from(r).length));
}
