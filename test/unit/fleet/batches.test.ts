import {describe, expect, it} from 'vitest';
import {batchStops, makeBatches, parseSerial} from '../../../src/fleet/batches.js';

const hosts = Array.from({length: 20}, (_, i) => `h${i + 1}`);

describe('--serial batches and the failure rule', () => {
  it('cuts 1,5,25% of 20 hosts into 1, 5, then batches of 5 until every host has one', () => {
    expect(makeBatches(hosts, parseSerial('1,5,25%')).map((b) => b.length)).toEqual([1, 5, 5, 5, 4]);
    expect(makeBatches(hosts, parseSerial('1,100%')).map((b) => b.length)).toEqual([1, 19]);
    expect(makeBatches(hosts, parseSerial('3%')).map((b) => b.length)).toEqual(Array(20).fill(1));
    expect(makeBatches(hosts, parseSerial('50'))).toEqual([hosts]);
  });

  it('refuses serial values that are not counts or percentages', () => {
    for (const bad of ['0', '1,,2', '101%', 'x', '-1']) expect(() => parseSerial(bad)).toThrow(/--serial/);
  });

  it("stops when more than P% of a batch failed (Ansible's >), or all of it", () => {
    expect(batchStops(1, 2, 0)).toBe(true);
    expect(batchStops(0, 2, 0)).toBe(false);
    expect(batchStops(1, 4, 25)).toBe(false);
    expect(batchStops(2, 4, 25)).toBe(true);
    expect(batchStops(1, 1, undefined)).toBe(true);
    expect(batchStops(3, 4, undefined)).toBe(false);
    expect(batchStops(0, 0, 0)).toBe(false);
  });
});
