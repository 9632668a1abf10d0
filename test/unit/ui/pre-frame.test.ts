import {describe, expect, it} from 'vitest';
import {erasePreFrame, preFrame} from '../../../src/ui/pre-frame.js';

describe('preFrame', () => {
  it('is the connecting screen in plain text, cut to the width', () => {
    const f = preFrame({
      banner: 'portcullis 0.1.0 · recipe fresh-vps · root@192.0.2.10',
      label: 'root@192.0.2.10',
      columns: 40,
      color: false,
    });
    const rows = f.text.replace('\u001b[?25l', '').split('\n');
    expect(rows.slice(0, f.rows)).toEqual([
      'portcullis 0.1.0 · recipe fresh-vps · r…',
      '◌ connecting to root@192.0.2.10',
      '  reading your ssh configuration',
      'Ctrl-C quit (nothing has changed)',
    ]);
    for (const r of rows) expect(r.length).toBeLessThanOrEqual(40);
  });

  it('has no colour unless asked', () => {
    expect(preFrame({banner: 'b', label: 'l', columns: 80, color: false}).text).not.toContain('\u001b[1m');
    expect(preFrame({banner: 'b', label: 'l', columns: 80, color: true}).text).toContain('\u001b[1m');
  });

  it('is erased row by row, bottom up, back to where it began', () => {
    expect(erasePreFrame(2)).toBe('\u001b[2K\u001b[1A\u001b[2K\u001b[1A\u001b[2K\u001b[G');
    expect(erasePreFrame(0)).toBe('');
  });
});
