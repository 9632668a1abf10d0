import {describe, expect, it} from 'vitest';
import {block, clip, codeBlock, wrapText} from '../../../src/ui/model/lines.js';

describe('wrapText', () => {
  it('breaks at spaces and never exceeds the width', () => {
    const rows = wrapText('Passwords and root logins are what bots try first; key-only SSH makes that harmless.', 30);
    expect(rows.length).toBeGreaterThan(2);
    for (const r of rows) expect(r.length).toBeLessThanOrEqual(30);
    expect(rows.join(' ')).toBe('Passwords and root logins are what bots try first; key-only SSH makes that harmless.');
  });

  it('cuts a word longer than the width and keeps empty lines', () => {
    expect(wrapText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    expect(wrapText('a\n\nb', 10)).toEqual(['a', '', 'b']);
  });
});

describe('block', () => {
  it('labels the first row and marks continuation rows with an empty label', () => {
    const rows = block('one two three four five six', 'plain', 12, 0, 'Why');
    expect(rows[0]?.label).toBe('Why');
    expect(rows.slice(1).every((r) => r.label === '')).toBe(true);
  });

  it('hangs continuation rows under the text of a numbered item', () => {
    const rows = block('1. arm the dead-man timer: everything rolls back unless proven', 'bold', 30, 2, undefined, 3);
    expect(rows[0]?.text.startsWith('  1. arm')).toBe(true);
    expect(rows.slice(1).every((r) => r.text.startsWith('     ') && r.text.length <= 30)).toBe(true);
  });
});

describe('codeBlock', () => {
  it('keeps every character of a long command, continuation rows marked', () => {
    const cmd = `$ ${'a'.repeat(100)}`;
    const rows = codeBlock(cmd, 'cmd', 40, 5);
    for (const r of rows) expect(r.text.length).toBeLessThanOrEqual(40);
    expect(rows.slice(1).every((r) => r.text.startsWith('     ↪ '))).toBe(true);
    expect(rows.map((r, i) => r.text.slice(i === 0 ? 5 : 7)).join('')).toBe(cmd);
  });
});

describe('clip', () => {
  it('marks a cut with an ellipsis within the width', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
  });
});
