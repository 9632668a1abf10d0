// The real binary in an 80x24 tmux pane on the sandbox laptop: the wizard, fleet-wizard and ctrl-c e2e drive it.
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {quote} from '../../src/util/shell.js';
import type {Sandbox} from '../sandbox/index.js';
import {BIN, waitFor} from './helpers.js';

const exec = promisify(execFile);

/**
 * The wizard as an operator meets it: the real binary in an 80x24 tmux pane on the sandbox laptop,
 * answered with keypresses, its screen read back with capture-pane.
 */
export class Terminal {
  private readonly socket = `pc-wizard-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;

  constructor(private readonly vps: Sandbox) {}

  private tmux(...args: string[]): Promise<string> {
    return exec('tmux', ['-L', this.socket, ...args], {timeout: 10_000}).then((r) => r.stdout);
  }

  /**
   * Starts `portcullis ...args` in the laptop namespace; the pane stays after exit and shows the exit code.
   * (A short sleep first: output written in a new pane's first moments can land out of place in tmux.)
   */
  async start(args: readonly string[]): Promise<void> {
    const env = Object.entries({...this.vps.laptop.env, TERM: 'xterm-256color', LANG: 'C.UTF-8'}).map(
      ([k, v]) => `${k}=${quote(v)}`,
    );
    const argv = [process.execPath, BIN, ...args].map(quote);
    // An operator at a terminal is not in CI, even when this suite runs there (CI=true would make it headless).
    const unset = ['-u', 'CI', '-u', 'CONTINUOUS_INTEGRATION'];
    const line = ['ip', 'netns', 'exec', quote(this.vps.laptop.netns), 'env', ...unset, ...env, ...argv].join(' ');
    await this.tmux(
      'new-session',
      '-d',
      '-x',
      '80',
      '-y',
      '24',
      '-s',
      'w',
      `sleep 0.3; ${line}; echo "[exit $?]"; sleep 600`,
    );
  }

  /** The visible 80x24 screen. */
  screen(): Promise<string> {
    return this.tmux('capture-pane', '-p', '-t', 'w');
  }

  /** Everything the pane printed, scrollback included. */
  history(): Promise<string> {
    return this.tmux('capture-pane', '-p', '-S', '-', '-t', 'w');
  }

  /** Everything printed, rows the terminal wrapped softly joined again (what a copy of them gets). */
  joined(): Promise<string> {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'w');
  }

  async waitFor(what: RegExp, timeoutMs = 60_000): Promise<string> {
    let last = '';
    try {
      await waitFor(
        `${what} on screen`,
        async () => {
          last = await this.screen();
          return what.test(last);
        },
        timeoutMs,
        100,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}; the screen was:\n${last}`);
    }
    return last;
  }

  async keys(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', 'w', ...keys);
  }

  /** The pane made `rows` tall (the window resized), as an operator drags their terminal taller. */
  async resize(rows: number): Promise<void> {
    await this.tmux('resize-window', '-t', 'w', '-x', '80', '-y', String(rows));
  }

  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', 'w', '-l', text);
  }

  async kill(): Promise<void> {
    await this.tmux('kill-server').catch(() => {});
  }
}
