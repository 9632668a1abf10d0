import {Box} from 'ink';
import {clip} from '../model/lines.js';
import type {FieldState} from '../state/text-field.js';
import {T} from '../theme.js';

/** Rows the consent bar takes: one for a keypress, two for the typed host name. */
export function consentRows(typed: boolean): number {
  return typed ? 2 : 1;
}

/**
 * Consent in proportion to risk. Reversible: one keypress. Lockout: the host name typed out, so a
 * change that can cut access is never applied by a reflex Enter.
 */
export function ConsentBar({
  title,
  host,
  typed,
  seconds,
  field,
  width,
}: {
  title: string;
  host: string;
  typed: boolean;
  seconds?: number;
  field: FieldState;
  width: number;
}) {
  if (!typed) {
    return (
      <Box height={1}>
        <T tone="accent">
          {clip(`Apply "${title}"? y/Enter: apply · n/Esc: not now (skip it or stop), nothing changes`, width)}
        </T>
      </Box>
    );
  }
  const prompt = field.error
    ? `✘ ${field.error}`
    : `Type ${host} + Enter to apply (${seconds ?? 120} s dead-man timer) · Esc: not now`;
  return (
    <Box flexDirection="column">
      <Box height={1}>
        <T tone={field.error ? 'error' : 'warn'}>{clip(prompt, width)}</T>
      </Box>
      <Box height={1}>
        <T tone="bold">{clip(`host name › ${field.value}█`, width)}</T>
      </Box>
    </Box>
  );
}
