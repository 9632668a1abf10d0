import {teardownSync} from './teardown.js';

const live = new Set<string>();
let installed = false;

function teardownAll(): void {
  for (const name of live) {
    live.delete(name);
    teardownSync(name);
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Instances owned by this process are torn down synchronously when it exits or is told to
 * stop (SIGINT/SIGTERM/SIGHUP), even if a test never reached its stop(). A SIGKILLed owner
 * runs nothing: its leftovers are reaped by the next start() or the e2e global teardown.
 */
export function track(name: string): void {
  live.add(name);
  if (installed) return;
  installed = true;
  process.on('exit', teardownAll);
  for (const sig of SIGNALS) {
    const onSignal = (): void => {
      teardownAll();
      process.removeListener(sig, onSignal);
      // Nobody else handles it: die of the signal as if we had never listened.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

export function untrack(name: string): void {
  live.delete(name);
}
