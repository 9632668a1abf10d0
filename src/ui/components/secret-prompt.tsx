import {Box, useInput} from 'ink';
import {isCtrlC, isDeleteLeft, splitEnter} from '../hooks/keys.js';
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
      if (key.return) onAnswer(current().value);
      else if (key.escape) onAnswer(undefined);
      else if (isDeleteLeft(key)) edit({type: 'delete-left'});
      else if (!key.ctrl && !key.meta && input) {
        const {text, enter} = splitEnter(input);
        if (text) edit({type: 'insert', text});
        if (enter) onAnswer(current().value);
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
