import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

/**
 * docs/reliability.md is written by two e2e files: the fault matrix (the whole file) and the platforms
 * file (its own section, between these markers). Each keeps the other's part when it writes.
 */
export const RELIABILITY_DOC = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));
const BEGIN = '<!-- platforms:begin (test/e2e/platforms.test.ts writes this section) -->';
const END = '<!-- platforms:end -->';
const SECTION = new RegExp(`\\n*${reEscape(BEGIN)}[\\s\\S]*?${reEscape(END)}\\n?`);

function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const current = () => (existsSync(RELIABILITY_DOC) ? readFileSync(RELIABILITY_DOC, 'utf8') : '');

/** The platforms section as it is in the file now ('' if none), to be kept by a whole-file rewrite. */
export function platformsSection(): string {
  const m = SECTION.exec(current());
  return m ? `\n${m[0].trimStart()}` : '';
}

/** Replaces (or appends) the platforms section, leaving the rest of the file as it is. */
export function writePlatformsSection(body: string): void {
  const text = current().replace(SECTION, '\n').trimEnd();
  writeFileSync(RELIABILITY_DOC, `${text}\n\n${BEGIN}\n${body.trim()}\n${END}\n`);
}
