import {ProgressBar, Spinner} from '@inkjs/ui';
import {Box} from 'ink';
import {proofWords} from '../../util/proof-words.js';
import {useNow} from '../hooks/use-now.js';
import {clip} from '../model/lines.js';
import {secondsLeft} from '../model/time.js';
import type {ProofView} from '../state/types.js';
import {T} from '../theme.js';

/** Rows the panel takes. */
export const COUNTDOWN_ROWS = 3;

/**
 * The confirmation window: the exact command the operator can run from another terminal, the seconds
 * left before the dead-man timer rolls everything back, and a bar that empties as they go.
 */
export function Countdown({
  proof,
  deadline,
  server,
  seconds,
  width,
}: {
  proof?: ProofView;
  deadline: number;
  /** The deadline the target fixed (epoch seconds UTC); shown once known. */
  server?: number;
  seconds: number;
  width: number;
}) {
  const now = useNow(1000);
  const left = secondsLeft(deadline, now);
  const command = proof?.command;
  const head =
    proof?.state === 'ok'
      ? `✔ proven: ${proofWords(proof.what, proof.command)}; finishing under the timer`
      : proof
        ? `proving: ${proofWords(proof.what, proof.command)}`
        : 'the change is live under the dead-man timer';
  return (
    <Box flexDirection="column">
      <Box height={1} gap={1}>
        {proof?.state === 'running' ? <Spinner /> : null}
        <T tone="warn">{clip(head, width - 2)}</T>
      </Box>
      <Box height={1}>
        <T tone="bold">{clip(`${command ? `${command}: ` : ''}${left} s left, then everything rolls back`, width)}</T>
      </Box>
      <Box height={1} gap={1}>
        <Box width={Math.min(30, Math.max(10, width - 50))}>
          <ProgressBar value={seconds > 0 ? (100 * left) / seconds : 0} />
        </Box>
        <T tone="dim">
          {clip(
            `${command ? 'try that command from another terminal' : 'time left'}${server ? `; the server rolls back at ${new Date(server * 1000).toISOString().slice(11, 19)} UTC` : ''}`,
            width - 32,
          )}
        </T>
      </Box>
    </Box>
  );
}
