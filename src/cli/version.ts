import {readFileSync} from 'node:fs';

function findVersion(): string {
  // dist/src/cli -> package root is three levels up; src/cli (tests, tsx) is two.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {name?: string; version?: string};
      if (pkg.name === 'portcullis' && pkg.version) return pkg.version;
    } catch {}
  }
  return '0.0.0';
}

export const VERSION: string = findVersion();
