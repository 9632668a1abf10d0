import type {Command} from 'commander';
import {describe, expect, it, vi} from 'vitest';
import {buildProgram, main} from '../../../src/cli/main.js';

/** Every command and subcommand, as typed: [], ['plan'], ['peers', 'add'], ... */
function commandPaths(c: Command, path: string[] = []): string[][] {
  return [path, ...c.commands.flatMap((s) => commandPaths(s, [...path, s.name()]))];
}

/** What `portcullis ...path --help` prints on a stdout that is not a terminal (a pipe, a file, CI). */
async function help(path: readonly string[]): Promise<{code: number; out: string}> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    return {code: await main([...path, '--help']), out};
  } finally {
    spy.mockRestore();
  }
}

describe('--help of every command fits 80 columns', () => {
  const paths = commandPaths(buildProgram());

  it('covers every command', () => {
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['', 'plan', 'apply', 'rollback', 'status', 'peers add', 'recipes show', 'completion']),
    );
  });

  it.each(paths.map((p) => [p.join(' ') || '(none)', p] as const))('portcullis %s --help', async (_, path) => {
    const {code, out} = await help(path);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: portcullis/);
    const long = out.split('\n').filter((l) => [...l].length > 80);
    expect(long).toEqual([]);
  });

  it('the examples show the tunnel form a fresh-vps run leaves (admin@10.66.0.1:2222)', async () => {
    for (const path of [[], ['plan'], ['apply'], ['rollback'], ['status'], ['peers', 'add']])
      expect((await help(path)).out).toContain('admin@10.66.0.1:2222');
  });
});
