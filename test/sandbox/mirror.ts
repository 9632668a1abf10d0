import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

export interface Mirrors {
  debian: string;
  security: string;
}

interface SourceEntry {
  uri: string;
  suites: string[];
}

/** Entries from one-line (.list) and deb822 (.sources) files; comments and deb-src ignored. */
export function parseSources(text: string, deb822: boolean): SourceEntry[] {
  if (!deb822) {
    return text
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter((l) => l.startsWith('deb '))
      .map((l) => l.replace(/\[[^\]]*\]/, '').split(/\s+/))
      .map((f) => ({uri: f[1] ?? '', suites: [f[2] ?? '']}));
  }
  return text.split(/\n\s*\n/).flatMap((stanza) => {
    const field = (k: string) => new RegExp(`^${k}:\\s*(.*)$`, 'mi').exec(stanza.replace(/^#.*$/gm, ''))?.[1]?.trim();
    const types = field('Types') ?? '';
    if (!types.split(/\s+/).includes('deb') || field('Enabled') === 'no') return [];
    const suites = (field('Suites') ?? '').split(/\s+/);
    return (field('URIs') ?? '').split(/\s+/).map((uri) => ({uri, suites}));
  });
}

function hostSources(): SourceEntry[] {
  const files: Array<[string, boolean]> = [['/etc/apt/sources.list', false]];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.list')) files.push([join(dir, f), false]);
      if (f.endsWith('.sources')) files.push([join(dir, f), true]);
    }
  }
  return files.filter(([f]) => existsSync(f)).flatMap(([f, deb822]) => parseSources(readFileSync(f, 'utf8'), deb822));
}

/**
 * The Debian mirror the host itself uses for bookworm (CI machines may only reach that one),
 * overridable with PORTCULLIS_SANDBOX_MIRROR / PORTCULLIS_SANDBOX_SECURITY_MIRROR.
 * Not part of the image hash: where packages come from is not what the image is.
 */
export function debianMirrors(): Mirrors {
  const entries = hostSources();
  const main = entries.find((e) => e.suites.includes('bookworm'))?.uri ?? 'http://deb.debian.org/debian';
  const security =
    entries.find((e) => e.suites.includes('bookworm-security'))?.uri ?? 'http://deb.debian.org/debian-security';
  return {
    debian: process.env.PORTCULLIS_SANDBOX_MIRROR ?? main,
    security: process.env.PORTCULLIS_SANDBOX_SECURITY_MIRROR ?? security,
  };
}
