import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {cmd, quote} from '../../src/util/shell.js';

const NASTY = [
  "it's",
  'a b',
  '$(touch /tmp/pwned)',
  '`id`',
  'x;y',
  'x\ny',
  '"dq"',
  '\\',
  '',
  '-rf',
  '*',
  'a&&b',
  "'",
  '\'\'""',
  '${HOME}',
];

describe('quote', () => {
  it.each(NASTY)('keeps %j one word with its exact bytes through a real sh', (word) => {
    const out = execFileSync('sh', ['-c', `printf '%s|' ${quote(word)}`]).toString();
    expect(out).toBe(`${word}|`);
  });

  it('refuses NUL, which no shell word can hold', () => {
    expect(() => quote('a\0b')).toThrow(/NUL/);
  });

  it('joins an argv so the shell sees the same argv', () => {
    const argv = ['printf', '%s\\n', 'one two', "th'ree", '$(four)'];
    expect(execFileSync('sh', ['-c', cmd(argv)]).toString()).toBe("one two\nth'ree\n$(four)\n");
  });
});
