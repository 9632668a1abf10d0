import {describe, expect, it} from 'vitest';
import {actionWindow, progressLayout} from '../../../src/ui/model/progress-layout.js';
import type {ActionRow, RowStatus} from '../../../src/ui/state/types.js';

const rows = (...st: RowStatus[]): ActionRow[] => st.map((status, i) => ({kind: 'run', summary: `a${i}`, status}));

describe('progressLayout', () => {
  it('gives everything its full height when it fits', () => {
    expect(progressLayout(20, 0, 8, 6)).toEqual({actions: 7, output: 9});
  });

  it('never uses more rows than there are; output gives way first', () => {
    for (const body of [6, 10, 14, 18]) {
      const l = progressLayout(body, 0, 8, 13);
      expect(l.actions + l.output).toBeLessThanOrEqual(body);
      expect(l.actions).toBeGreaterThanOrEqual(4);
    }
    expect(progressLayout(10, 0, 8, 13)).toEqual({actions: 6, output: 4});
  });

  it('hides the output when one row would be left for it', () => {
    expect(progressLayout(5, 0, 8, 13).output).toBe(0);
  });
});

describe('actionWindow', () => {
  it('shows all rows when they fit', () => {
    const w = actionWindow(rows('done', 'running', 'pending'), 5);
    expect([w.before, w.shown.length, w.after]).toEqual([0, 3, 0]);
  });

  it('folds finished rows above and pending rows below the running one, within the limit', () => {
    const list = rows(
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
      'running',
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
    );
    const w = actionWindow(list, 6);
    expect(w.before + w.shown.length + w.after).toBe(12);
    expect((w.before ? 1 : 0) + w.shown.length + (w.after ? 1 : 0)).toBeLessThanOrEqual(6);
    expect(w.shown.map((s) => s.index)).toContain(6);
    expect(w.before).toBeGreaterThan(0);
    expect(w.after).toBeGreaterThan(0);
  });

  it('starts at the top when the first rows are the ones running', () => {
    const w = actionWindow(rows('running', 'pending', 'pending', 'pending', 'pending', 'pending', 'pending'), 4);
    expect(w.before).toBe(0);
    expect(w.shown[0]?.index).toBe(0);
    expect(w.shown.length + (w.after ? 1 : 0)).toBeLessThanOrEqual(4);
  });
});
