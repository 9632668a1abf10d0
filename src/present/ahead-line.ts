import type {AheadMode} from '../engine/ahead.js';

/** What the packages-ahead job does, in the words every renderer uses. */
export function aheadLine(e: {mode: AheadMode; packages: readonly string[]}): string {
  return e.mode === 'install'
    ? `installing ahead, in the background on the server: ${e.packages.join(', ')} (each is configured by its own step)`
    : `downloading ahead, in the background on the server: ${e.packages.join(', ')} (apt's cache only: nothing is installed before you say yes to its step)`;
}
