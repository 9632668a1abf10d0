import type {Step} from '../core/types.js';
import type {Frontend} from '../engine/frontend.js';
import type {FirstFrame} from '../ui/pre-frame.js';
import {assertNever} from '../util/errors.js';

export type {Frontend, RunEnd} from '../engine/frontend.js';

export type OutputMode =
  | {kind: 'ink'; stream: 'stdout' | 'stderr'}
  | {kind: 'plain'}
  | {kind: 'listr'; renderer: 'default' | 'simple'}
  | {kind: 'refuse'};

export interface Terminal {
  stdinTTY: boolean;
  stdoutTTY: boolean;
  stderrTTY: boolean;
  yes: boolean;
  json: boolean;
  ci: boolean;
  term?: string;
}

/**
 * Interactive (Ink) when stdin and the stream the UI draws on are terminals, --yes was not given and
 * this is not CI; the UI draws on stderr under --json so stdout carries only the document. A dumb
 * terminal gets plain lines with prompts between steps. Everything else is headless: listr2, redrawing
 * on a terminal, one plain line per change otherwise; without --yes a headless run is refused.
 */
export function outputMode(t: Terminal): OutputMode {
  const uiTTY = t.json ? t.stderrTTY : t.stdoutTTY;
  const interactive = t.stdinTTY && uiTTY && !t.yes && !t.ci;
  if (interactive) return t.term === 'dumb' ? {kind: 'plain'} : {kind: 'ink', stream: t.json ? 'stderr' : 'stdout'};
  if (!t.yes) return {kind: 'refuse'};
  return {kind: 'listr', renderer: t.stderrTTY && !t.ci && t.term !== 'dumb' ? 'default' : 'simple'};
}

/** CI as Ink (is-in-ci) sees it: CI or CONTINUOUS_INTEGRATION set to anything but 0 or false. */
export function inCi(env: NodeJS.ProcessEnv): boolean {
  const set = (k: string) => k in env && env[k] !== '0' && env[k] !== 'false';
  return set('CI') || set('CONTINUOUS_INTEGRATION');
}

export function currentTerminal(o: {yes?: boolean; json?: boolean}): Terminal {
  return {
    stdinTTY: process.stdin.isTTY === true,
    stdoutTTY: process.stdout.isTTY === true,
    stderrTTY: process.stderr.isTTY === true,
    yes: Boolean(o.yes),
    json: Boolean(o.json),
    ci: inCi(process.env),
    term: process.env.TERM,
  };
}

/** NO_COLOR (any non-empty value) turns colour off everywhere; so does a stream that is not a terminal. */
export function wantsColor(isTTY: boolean): boolean {
  return isTTY && !process.env.NO_COLOR;
}

export interface FrontendContext {
  spec: string | undefined;
  local?: boolean;
  sshConfig?: string;
  identity?: string;
  recipe: string;
  steps: Step<unknown>[];
  /** --until: the run ends after this step, so the steps after it are not shown. */
  until?: string;
  /** The wizard's first frame, when the entry already drew it. */
  firstFrame?: FirstFrame;
}

/** Options the operator has to give again to reach the same target (shown in follow-up commands). */
export function followUpArgs(c: Pick<FrontendContext, 'sshConfig' | 'identity'>, quote: (s: string) => string): string {
  return [c.sshConfig ? `--ssh-config ${quote(c.sshConfig)}` : '', c.identity ? `-i ${quote(c.identity)}` : '']
    .filter(Boolean)
    .join(' ');
}

/** The frontend for a mode; Ink and listr2 are loaded only when used (startup time is measured). */
export async function openFrontend(mode: OutputMode, c: FrontendContext): Promise<Frontend> {
  const {quote} = await import('../util/shell.js');
  const label = c.local || !c.spec ? '--local' : c.spec;
  const last = c.until ? c.steps.findIndex((s) => s.id === c.until) : -1;
  const steps = last >= 0 ? c.steps.slice(0, last + 1) : c.steps;
  switch (mode.kind) {
    case 'ink': {
      const [{inkFrontend}, {parseEndpoint}, {VERSION}] = await Promise.all([
        import('../ui/ink-frontend.js'),
        import('../target/endpoint.js'),
        import('./version.js'),
      ]);
      const stream = mode.stream === 'stderr' ? process.stderr : process.stdout;
      return inkFrontend({
        spec: label,
        host: c.spec && !c.local ? parseEndpoint(c.spec).host : 'localhost',
        recipe: c.recipe,
        extraArgs: followUpArgs(c, quote),
        steps,
        stdout: stream,
        stdin: process.stdin,
        color: wantsColor(stream.isTTY === true),
        version: VERSION,
        firstFrame: c.firstFrame,
      });
    }
    case 'listr': {
      const {listrFrontend} = await import('../headless/listr-frontend.js');
      return listrFrontend({steps, renderer: mode.renderer});
    }
    case 'plain': {
      const {plainFrontend} = await import('../headless/plain-frontend.js');
      let host = 'localhost';
      const ui = plainFrontend({host: () => host, color: wantsColor(process.stderr.isTTY === true)});
      return {
        ...ui,
        connecting(_label, h) {
          host = h;
        },
      };
    }
    case 'refuse':
      throw new Error('no frontend for a refused run');
    default:
      return assertNever(mode, 'kind');
  }
}
