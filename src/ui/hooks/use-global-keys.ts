import {useInput, useStdin} from 'ink';
import {isCtrlC} from './keys.js';

/**
 * Ctrl-C on every screen (and q while a step runs) asks to stop; what stopping means is decided
 * outside (state/stop-plan.ts). Always active, so raw mode is on from the first frame and Ctrl-C
 * never kills the process mid-step.
 */
export function useGlobalKeys(o: {running: boolean; onStop(): void}): void {
  const {isRawModeSupported} = useStdin();
  useInput(
    (input, key) => {
      if (isCtrlC(input, key) || (o.running && input === 'q')) o.onStop();
    },
    {isActive: isRawModeSupported === true},
  );
}
