import {Box, useInput} from 'ink';
import {isCtrlC, typedKeys} from '../hooks/keys.js';
import {useField} from '../hooks/use-field.js';
import {clip} from '../model/lines.js';
import {T} from '../theme.js';
import {KeyLegend} from './key-legend.js';

/**
 * A hidden answer inside Ink (the sudo password), so no second library ever reads the terminal:
 * one • per character, Enter sends, Esc declines.
 */
export function SecretPrompt({
  message,
  width,
  isActive = true,
  onAnswer,
}: {
  message: string;
  width: number;
  isActive?: boolean;
  onAnswer(value: string | undefined): void;
}) {
  const {field, edit, current} = useField();
  useInput(
    (input, key) => {
      if (isCtrlC(input, key)) return;
      if (key.escape) return onAnswer(undefined);
      for (const t of typedKeys(input, key)) {
        if (t.kind === 'enter') return onAnswer(current().value);
        edit(t.kind === 'delete' ? {type: 'delete-left'} : {type: 'insert', text: t.text});
      }
    },
    {isActive},
  );
  return (
    <Box flexDirection="column">
      <Box height={1}>
        <T tone="accent">{clip(message, width)}</T>
      </Box>
      <Box height={1}>
        <T tone="bold">{clip(`› ${'•'.repeat(Array.from(field.value).length)}█`, width)}</T>
      </Box>
      <KeyLegend
        hints={[
          {keys: 'Enter', does: 'send'},
          {keys: 'Esc', does: 'do not send (the run stops)'},
          {keys: 'Ctrl-C', does: 'quit'},
        ]}
        width={width}
      />
    </Box>
  );
}
