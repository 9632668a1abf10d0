import {InputError} from '../util/errors.js';

export type SerialItem = {count: number} | {percent: number};

/** `--serial 1,5,25%`: host counts or percentages of the hosts in the run. */
export function parseSerial(text: string): SerialItem[] {
  const items = text.split(',').map((s) => s.trim());
  return items.map((s) => {
    const pct = /^([0-9]{1,3})%$/.exec(s);
    if (pct) {
      const p = Number(pct[1]);
      if (p < 1 || p > 100) throw new InputError(`--serial ${text}: a percentage is 1% to 100%`);
      return {percent: p};
    }
    if (!/^[1-9][0-9]{0,5}$/.test(s))
      throw new InputError(`--serial ${text}: give host counts and percentages, like 1,5,25%`);
    return {count: Number(s)};
  });
}

/**
 * Cuts the hosts into batches as Ansible's `serial` does: each item is a batch size (a percentage of all
 * hosts, rounded down, at least 1); the last item repeats until every host has a batch. The first batch
 * is the canary.
 */
export function makeBatches<T>(hosts: readonly T[], serial: readonly SerialItem[]): T[][] {
  const sizes = serial.map((s) => ('count' in s ? s.count : Math.max(1, Math.floor((hosts.length * s.percent) / 100))));
  const out: T[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k, sizes.length - 1)] ?? hosts.length;
    out.push(hosts.slice(i, i + size));
    i += size;
    k++;
  }
  return out;
}

/** Ansible's rule: the run stops when more than `maxFailPercent` of a batch failed, or when all of it did. */
export function batchStops(failed: number, size: number, maxFailPercent: number | undefined): boolean {
  if (size > 0 && failed === size) return true;
  return maxFailPercent !== undefined && failed * 100 > maxFailPercent * size;
}

export function parsePercent(text: string, what: string): number {
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) > 100)
    throw new InputError(`${what} ${text}: a whole percentage, 0 to 100`);
  return Number(text);
}

export function parseForks(text: string): number {
  if (!/^[1-9][0-9]{0,3}$/.test(text) || Number(text) > 500)
    throw new InputError(`--forks ${text}: 1 to 500 hosts at a time`);
  return Number(text);
}
