import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach} from 'vitest';

/**
 * A stand-in `ssh` (the shell script `script`) first on PATH for each test of the calling describe, in a
 * fresh directory also given to the script as $FAKE_DIR; PATH is put back and the directory removed after
 * each test. Returns the current test's directory.
 */
export function fakeSshOnPath(script: string, prefix: string): () => string {
  let dir = '';
  let path: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    writeFileSync(join(dir, 'ssh'), script);
    chmodSync(join(dir, 'ssh'), 0o755);
    path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
    process.env.FAKE_DIR = dir;
  });
  afterEach(() => {
    process.env.PATH = path;
    delete process.env.FAKE_DIR;
    rmSync(dir, {recursive: true, force: true});
  });
  return () => dir;
}
