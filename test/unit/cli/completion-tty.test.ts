import {spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, it} from 'vitest';

/**
 * Completion as an operator gets it: an interactive bash and zsh in a tmux pane, the script installed as
 * the README says, keys typed, Tab pressed, and the command line read back from the screen. tmux, zsh
 * and fish come from .ci/sandbox-deps.sh; in CI a missing one fails instead of skipping.
 */
const BIN = fileURLToPath(new URL('../../../bin/portcullis.js', import.meta.url));
const has = (tool: string) =>
  process.env.PORTCULLIS_TEST_IN_CI === 'true' || spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

let dir: string;
const socket = `pc-completion-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pc-completion-tty-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'zfunc'));
  writeFileSync(join(dir, 'bin', 'portcullis'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(dir, 'bin', 'portcullis'), 0o755);
});
afterAll(() => {
  tmux('kill-server');
  rmSync(dir, {recursive: true, force: true});
});

/** The line the cursor is on, as the terminal shows it. */
function cursorLine(session: string): string {
  const y = Number(tmux('display-message', '-p', '-t', session, '#{cursor_y}').stdout.trim());
  return tmux('capture-pane', '-p', '-N', '-t', session).stdout.split('\n')[y] ?? '';
}

async function until(session: string, want: RegExp, what: string): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < 30_000) {
    if (want.test(cursorLine(session))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`waiting for ${what}: the line shows ${JSON.stringify(cursorLine(session))}`);
}

/** Types text (sent as bytes: tmux would read a leading `--` as its own flag), then Tab. */
function typeAndTab(session: string, text: string): void {
  tmux('send-keys', '-t', session, '-H', ...[...Buffer.from(text)].map((b) => b.toString(16)));
  tmux('send-keys', '-t', session, 'Tab');
}

async function session(name: string, shell: string[], prompt: RegExp): Promise<string> {
  const env = [`PATH=${join(dir, 'bin')}:${process.env.PATH}`, `HOME=${dir}`, 'TERM=xterm-256color'];
  tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '20', 'env', '-i', ...env, ...shell);
  await until(name, prompt, `${name}'s prompt`);
  return name;
}

/** Each step: what is typed before Tab, and the whole command line after it. */
const STEPS: [string, RegExp][] = [
  ['portcullis pl', /portcullis plan $/],
  ['--set ssh_', /portcullis plan --set ssh_port=$/],
  ['2222 --recipe f', /--set ssh_port=2222 --recipe fresh-vps $/],
  ['--set modern_crypto=f', /--recipe fresh-vps --set modern_crypto=false $/],
  ['--platform=ubuntu-24', /--set modern_crypto=false --platform=ubuntu-24\.04 $/],
];

describe('completion in real interactive shells (tmux)', () => {
  it.runIf(has('tmux'))(
    'bash: Tab completes commands, recipes, --set keys and their values',
    async () => {
      const script = spawnSync(join(dir, 'bin', 'portcullis'), ['completion', 'bash'], {encoding: 'utf8'});
      writeFileSync(join(dir, 'portcullis.bash'), script.stdout);
      writeFileSync(join(dir, 'bashrc'), `source ${join(dir, 'portcullis.bash')}\nPS1='$ '\n`);
      const s = await session('bash', ['bash', '--noprofile', '--rcfile', join(dir, 'bashrc'), '-i'], /^\$ $/);
      for (const [text, want] of STEPS) {
        typeAndTab(s, text);
        await until(s, want, `bash to complete ${JSON.stringify(text)}`);
      }
    },
    120_000,
  );

  it.runIf(has('tmux') && has('zsh'))(
    'zsh: the same, through compinit and $fpath as the README says',
    async () => {
      const script = spawnSync(join(dir, 'bin', 'portcullis'), ['completion', 'zsh'], {encoding: 'utf8'});
      writeFileSync(join(dir, 'zfunc', '_portcullis'), script.stdout);
      writeFileSync(
        join(dir, '.zshrc'),
        `fpath=(${join(dir, 'zfunc')} $fpath)\nautoload -U compinit && compinit -u -D\nPS1='%% '\n`,
      );
      const s = await session('zsh', ['env', `ZDOTDIR=${dir}`, 'zsh', '-i'], /^% $/);
      for (const [text, want] of STEPS) {
        typeAndTab(s, text);
        await until(s, want, `zsh to complete ${JSON.stringify(text)}`);
      }
    },
    120_000,
  );
});
