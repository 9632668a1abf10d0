import {InputError} from './errors.js';

const SAFE = /^[A-Za-z0-9_/.:=@%+,-]+$/;

/**
 * Quotes one word for a POSIX shell. The result is always exactly one word whatever the input:
 * single quotes cannot be escaped from inside single quotes, so `'` is closed, escaped and reopened.
 * NUL cannot be represented in a shell word at all, so it is refused.
 */
export function quote(word: string): string {
  if (word.includes('\0')) throw new InputError('a value contains a NUL byte, which no shell word can hold');
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One command line from an argv: every element quoted, so no element can become two words or an operator. */
export function cmd(argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}

/** A heredoc-free way to put exact bytes into a file from a script: base64 survives any transport. */
export function base64Literal(content: string | Buffer): string {
  return Buffer.from(content).toString('base64');
}
