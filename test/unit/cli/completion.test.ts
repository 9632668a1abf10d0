import {spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/portcullis.js', import.meta.url));
/** zsh and fish come from .ci/sandbox-deps.sh; in CI a missing shell fails instead of skipping. */
const has = (shell: string) =>
  process.env.PORTCULLIS_TEST_IN_CI === 'true' || spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

let dir: string;
let env: NodeJS.ProcessEnv;
/** `portcullis` on PATH, as after `npm install -g`: the scripts call it back for candidates. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pc-completion-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'portcullis'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(dir, 'bin', 'portcullis'), 0o755);
  writeFileSync(join(dir, 'answers.yaml'), 'ssh_port: 2222\n');
  env = {...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, HOME: dir};
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

function run(cmd: string, args: readonly string[]) {
  return spawnSync(cmd, args, {cwd: dir, env, encoding: 'utf8', timeout: 60_000});
}

/** COMP_WORDS as bash builds them from a line: split at blanks, and around = and : (COMP_WORDBREAKS). */
function compWords(line: string): string[] {
  const words = line.split(/\s+/).flatMap((w) => w.split(/([=:]+)/).filter((p) => p !== ''));
  if (/\s$/.test(line) || line === '') words.push('');
  return words;
}

/**
 * Completes each line in one real bash with the script `portcullis completion bash` printed: COMP_LINE,
 * COMP_POINT, COMP_WORDS and COMP_CWORD set as bash sets them for a Tab at the end of the line, then the
 * completion function registered for portcullis (`complete -p`) is called; its COMPREPLY comes back.
 */
function bashComplete(lines: readonly string[]): string[][] {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const calls = lines.map((line) => {
    const words = compWords(line);
    return `comp ${quote(line)} ${words.map(quote).join(' ')}`;
  });
  const script = `set -u
source <(portcullis completion bash)
fn=$(complete -p portcullis | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')
comp() {
  COMP_LINE=$1; COMP_POINT=\${#1}; shift
  COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
  "$fn" portcullis "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]:-}"
  printf '%s\\n' "\${COMPREPLY[*]}" | tr '\\n' ' '; echo '|'
}
${calls.join('\n')}`;
  const r = run('bash', ['--norc', '--noprofile', '-c', script]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout
    .split('|\n')
    .slice(0, lines.length)
    .map((l) => l.trim().split(/\s+/).filter(Boolean));
}

describe('portcullis completion: scripts for the three shells', () => {
  it('bash: commands, recipes, --set keys of the recipe on the line, steps, platforms, options, files', () => {
    const cases: [string, string[]][] = [
      ['portcullis pl', ['plan']],
      ['portcullis plan --recipe f', ['fresh-vps']],
      ['portcullis plan --set ssh_', ['ssh_port=']],
      ['portcullis apply --recipe incident-lockdown --set te', ['terminate_sessions=']],
      ['portcullis apply --set modern_crypto=t', ['true']],
      ['portcullis apply --set permit_root_login=', ['=no', '=prohibit-password']],
      ['portcullis apply --until ssh', ['ssh-hardening']],
      ['portcullis apply -r incident-lockdown --until l', ['lockdown']],
      ['portcullis plan --platform=deb', ['debian-12', 'debian-13']],
      ['portcullis plan --js', ['--json']],
      ['portcullis plan --answers ans', ['answers.yaml']],
      ['portcullis rollback --to close', ['close-ports']],
      ['portcullis recipes show team', ['team-onboarding']],
      ['portcullis admin@10.66.0.1:2222 --set ssh_', ['ssh_port=']],
    ];
    const got = bashComplete(cases.map(([line]) => line));
    expect(cases.map(([line], i) => [line, got[i]])).toEqual(cases);
  }, 60_000);

  it.runIf(has('zsh'))('zsh: the script parses in a real zsh (zsh -n)', () => {
    const script = run('portcullis', ['completion', 'zsh']);
    expect(script.status).toBe(0);
    writeFileSync(join(dir, '_portcullis'), script.stdout);
    const r = run('zsh', ['-n', join(dir, '_portcullis')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.runIf(has('fish'))(
    'fish: the script parses, and `complete -C` completes through it in a real fish',
    () => {
      const script = run('portcullis', ['completion', 'fish']);
      expect(script.status).toBe(0);
      const file = join(dir, 'portcullis.fish');
      writeFileSync(file, script.stdout);
      expect(run('fish', ['--no-execute', file])).toMatchObject({status: 0, stderr: ''});
      const r = run('fish', [
        '--no-config',
        '-c',
        `source ${file}; complete -C 'portcullis pl'; complete -C 'portcullis plan --recipe f'; complete -C 'portcullis plan --set ssh_'`,
      ]);
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n').filter(Boolean)).toEqual(['plan', 'fresh-vps', 'ssh_port=']);
    },
    30_000,
  );

  it('every shell gets a script; anything else is bad input (exit 2)', () => {
    const r = run('portcullis', ['completion', 'tcsh']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^portcullis: .*tcsh.*bash, zsh, fish/);
  });
});
