import {InputError} from '../util/errors.js';
import {type FleetHost, groupIndex, resolveHost} from './host-vars.js';
import {type Inventory, loadInventory} from './inventory.js';
import {selectHosts} from './patterns.js';

/** The inventory, the hosts `--limit` selects, each validated (way in and recipe values) before any connection. */
export function fleetHosts(file: string, limit?: string): {inventory: Inventory; hosts: FleetHost[]} {
  const inventory = loadInventory(file);
  const names = selectHosts(inventory, limit);
  if (!names.length) throw new InputError(`--limit ${limit}: no host of ${file} is left`);
  const index = groupIndex(inventory);
  return {inventory, hosts: names.map((n) => resolveHost(inventory, n, index))};
}

/** Runs `fn` over items with at most `limit` in flight; results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
  return out;
}
