import {readFile} from 'node:fs/promises';
import type {Risk, Step} from '../core/types.js';
import type {EngineEvent} from '../engine/events.js';
import type {Frontend, RunEnd} from '../engine/frontend.js';
import type {Exposure} from '../platform/exposure.js';
import type {Target} from '../target/types.js';
import {assertNever} from '../util/errors.js';
import {editRefusal} from './model/edit-check.js';
import {editableValues} from './model/editable.js';
import {buildFinish} from './model/finish.js';
import {preflightInfo} from './model/preflight-info.js';
import {nextMoveQuestion, questionFor} from './model/questions.js';
import {knownSudoPassword, passwordSet, type SetPassword} from './model/set-password.js';
import {valueRows} from './model/values.js';
import {bannerText, type FirstFrame, writeFirstFrame} from './pre-frame.js';
import {settleStop, stopPlan} from './state/stop-plan.js';
import type {Outcome, StopPlan} from './state/types.js';
import {WizardStore} from './store.js';

/**
 * Draws a client config's QR code for the screen once (null when the file cannot be read). The config
 * holds a private key: it is read here only to draw the code, and goes nowhere else.
 */
async function drawQr(store: WizardStore, path: string): Promise<void> {
  if (store.getState().qr[path] !== undefined) return;
  let rows: string[] | null;
  try {
    const {qrRows} = await import('../wg/qr.js');
    rows = await qrRows(await readFile(path, 'utf8'));
  } catch {
    rows = null;
  }
  store.dispatch({type: 'ui.qr', path, rows});
}

/** Writes the PNG of a client config's QR code next to it (0600), once; says where, or why it could not. */
async function savePng(store: WizardStore, path: string): Promise<void> {
  const had = store.getState().png[path];
  if (had && 'path' in had) return;
  try {
    const {writeQrPng} = await import('../wg/qr.js');
    const png = await writeQrPng(path, await readFile(path, 'utf8'));
    store.dispatch({type: 'ui.png', path, png: {path: png}});
  } catch (e) {
    store.dispatch({type: 'ui.png', path, png: {error: (e as NodeJS.ErrnoException).code ?? (e as Error).message}});
  }
}

export interface InkFrontendOptions {
  /** TARGET as typed (or "--local"), its host part, the recipe, and the options follow-up commands need again. */
  spec: string;
  host: string;
  recipe: string;
  extraArgs: string;
  steps: readonly Step<unknown>[];
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  color: boolean;
  version: string;
  /** Already on screen (written by the wizard entry before the heavy imports); otherwise written here. */
  firstFrame?: FirstFrame;
}

type Mounted = {waitUntilExit(): Promise<unknown>};

/** Stopped on purpose (Ctrl-C, q, Esc), as opposed to failed. */
function outcomeOf(err: unknown): Outcome {
  const message = err instanceof Error ? err.message : String(err);
  return /stopped by the operator|not confirmed/.test(message) ? {kind: 'stopped', message} : {kind: 'failed', message};
}

/**
 * The interactive wizard. Its first frame is on screen before Ink has loaded and before any network
 * round trip; Ink then owns the terminal until the finish screen. Ctrl-C is decided by state/stop-plan.ts:
 * a step in flight always finishes or is left to its armed dead-man timer, never cut in half.
 */
export function inkFrontend(o: InkFrontendOptions): Frontend {
  const host = o.host;
  const banner = bannerText(o.version, o.recipe, o.spec);
  const store = new WizardStore({
    label: o.spec,
    host,
    recipe: o.recipe,
    banner,
    startedAt: Date.now(),
    steps: o.steps.map((s) => ({id: s.id, title: s.title, risk: s.risk as Risk})),
  });
  const first = o.firstFrame ?? writeFirstFrame(o.stdout, {banner, label: o.spec, color: o.color});
  first.taken = true;
  // chalk (under Ink) reads FORCE_COLOR when it is first imported; NO_COLOR alone it ignores.
  if (!o.color && process.env.FORCE_COLOR === undefined) process.env.FORCE_COLOR = '0';
  const mounted: Promise<Mounted> = import('./mount.js').then((m) =>
    m.mountWizard(store, {stdout: o.stdout, stdin: o.stdin, color: o.color, preFrameRows: first.rows}),
  );
  // Awaited where Ink is needed; a failed import must not also crash as an unhandled rejection meanwhile.
  mounted.catch(() => {});
  const abort = new AbortController();
  let target: Target | undefined;
  let before: Exposure[] | undefined;
  let exiting = false;
  let continued: Promise<boolean> = Promise.resolve(true);
  /** The run's values as a step last saw them (questions name the admin the operator chose), and the facts. */
  let known: Record<string, unknown> = {};
  /** The sudo password this run set for the admin it creates (asked by provide), in memory only. */
  let setPassword: SetPassword | undefined;
  let knownFacts: Parameters<Step<unknown>['params']>[1] | undefined;
  /** Set when Ctrl-C (not n or Esc) declined the step asked about: the run stops, nothing more is asked. */
  let stoppedByKey = false;
  /** Whether a step may be skipped: no later step of this run requires it (Step.requires). */
  const skippable = (id: string): {canSkip: boolean; neededBy?: string} => {
    const at = o.steps.findIndex((s) => s.id === id);
    const needs = o.steps.slice(at + 1).find((s) => s.requires?.includes(id));
    return needs ? {canSkip: false, neededBy: needs.title} : {canSkip: true};
  };
  /** Whether the step already showed a client config (its first one carries the QR code). */
  const hasClientConfig = (id: string) =>
    store.getState().steps.some((s) => s.id === id && s.artifacts.some((a) => a.kind === 'client-config'));
  store.savePng = (path) => void savePng(store, path);
  // An edited value that a step refuses, or that changes what a step already used, is an error in the
  // form (edit-check.ts); the run goes on.
  store.checkEdit = (edited) => {
    if (!knownFacts) return undefined;
    const st = store.getState().steps;
    const ran = new Set(st.filter((s) => s.status === 'done' || s.status === 'compliant').map((s) => s.id));
    return editRefusal(o.steps, ran, known, edited, knownFacts);
  };

  const finishWith = async (outcome: Outcome, end: RunEnd = {}) => {
    const st = store.getState();
    store.dispatch({
      type: 'ui.finish',
      finish: buildFinish({
        outcome,
        before: end.before ?? before ?? [],
        after: end.after,
        journal: end.journal,
        steps: st.steps,
        target: o.spec,
        extraArgs: o.extraArgs,
        artifacts: end.result?.artifacts,
      }),
    });
    await (await mounted).waitUntilExit();
    process.off('SIGINT', onSigint);
  };

  /** Leaves now: nothing is changing, or the armed timer owns the step. Exit code 1: the run did not finish. */
  const exitNow = async (outcome: Outcome) => {
    if (exiting) return;
    exiting = true;
    await finishWith(outcome);
    await Promise.race([target?.close(), new Promise((r) => setTimeout(r, 3000))]);
    process.exit(1);
  };

  const act = (plan: StopPlan) => {
    const st = store.getState();
    switch (plan.kind) {
      case 'decline':
        stoppedByKey = true;
        store.answerConsent(false);
        return;
      case 'exit-now':
        if (st.phase === 'preflight') store.continueRun(false);
        else if (st.phase !== 'finished') {
          const done = st.steps.filter((s) => s.status === 'done').map((s) => s.title);
          void exitNow({
            kind: 'stopped',
            message: `stopped by the operator while nothing was changing; ${done.length ? `applied before: ${done.join(', ')}` : 'nothing was changed'}`,
          });
        }
        return;
      case 'exit-timer':
        void exitNow({kind: 'left-to-timer', stepId: plan.stepId, deadline: plan.deadline});
        return;
      case 'finish-step':
        abort.abort();
        store.dispatch({type: 'ui.stop', plan});
        return;
      case 'wait-segment':
        store.dispatch({type: 'ui.stop', plan});
        return;
      default:
        return assertNever(plan, 'kind');
    }
  };

  const onStop = () => {
    const st = store.getState();
    // A second Ctrl-C while waiting changes nothing: the wait is what keeps the target whole.
    if (st.stopping && st.stopping.kind !== 'exit-now') return;
    act(stopPlan(st));
  };
  const onSigint = () => onStop();
  process.on('SIGINT', onSigint);
  store.onStop(onStop);
  store.subscribe(() => {
    const next = settleStop(store.getState());
    if (next) act(next);
  });

  return {
    showsSummary: true,
    signal: abort.signal,
    sudoPassword: async (who) =>
      process.env.PORTCULLIS_SUDO_PASSWORD ??
      // The password this run set for the admin it created is what that admin's sudo wants (a connection
      // rerouted to the admin once root's login is closed): not asked again.
      knownSudoPassword(setPassword, who.user) ??
      store.askSecret(`sudo on ${who.host} wants ${who.user}'s password (kept in memory for this run only):`),
    connecting(label, h) {
      store.dispatch({type: 'ui.connecting', label, host: h, note: 'reading the platform (one round trip, read-only)'});
    },
    // The run starts at once, so the preflight screen shows the preflight step's findings; the first
    // question waits until the operator has read it and pressed Enter.
    async ready(t, facts, exposed) {
      target = t;
      before = exposed;
      continued = store.waitForContinue();
      store.dispatch({type: 'ui.connected', preflight: preflightInfo(facts, {kind: t.kind, label: t.label}, exposed)});
      await mounted;
      return true;
    },
    events(e: EngineEvent) {
      if (e.type === 'values') {
        // The values the step is planned with: shown in its review (editable ones in its form), and what
        // the questions and the edit check start from.
        known = e.values.given;
        knownFacts = e.facts;
        store.dispatch({
          type: 'ui.values',
          id: e.id,
          values: valueRows(e.params),
          editable: editableValues(e.id, e.values.given),
        });
        return;
      }
      // The operator's own client config (a step's first) gets its QR code drawn before the file is
      // shown, so the code is printed with it, under the step; the engine waits for this.
      if (e.type === 'artifact' && e.kind === 'client-config' && !hasClientConfig(e.id))
        return drawQr(store, e.path).then(() => store.events(e));
      store.events(e);
      // Usually drawn already (after the wireguard step); otherwise now, while the operator reads the screen.
      if (e.type === 'proof.start' && e.tunnel && !e.tunnel.connect) void drawQr(store, e.tunnel.confPath);
    },
    async confirm(p) {
      if (!(await continued)) return false;
      for (;;) {
        stoppedByKey = false;
        const answer = await store.askConsent(p);
        // n or Esc (not Ctrl-C): what next; "back" shows the review again.
        if (answer !== false || stoppedByKey) return answer;
        const move = await store.askQuestion(
          p.id,
          nextMoveQuestion({title: p.title, declined: true, ...skippable(p.id)}),
        );
        if (move === 'skip') return 'skip';
        if (move !== 'back') return false;
      }
    },
    async recover(p, _reason) {
      // Asked to stop (Ctrl-C or q while it ran): the rollback was the stop, nothing more is asked.
      if (abort.signal.aborted || store.getState().stopping) return false;
      const port = p.id === 'ssh-hardening' && typeof known.ssh_port === 'number' ? known.ssh_port : undefined;
      const move = await store.askQuestion(
        p.id,
        nextMoveQuestion({
          title: p.title,
          declined: false,
          otherPort: port,
          readOnly: p.risk === 'safe',
          ...skippable(p.id),
        }),
      );
      if (move === 'retry') return true;
      if (move === 'skip') return 'skip';
      if (move === 'port') {
        const q = questionFor('ssh_port', known);
        const value = q ? await store.askQuestion(p.id, q) : undefined;
        return value === undefined ? false : {values: {ssh_port: value}};
      }
      return false;
    },
    // Asked in the order the step needs them; the sudo mode "password" brings its password question
    // along at once. Values the wizard has no question for are left to the step's refusal.
    async provide(p, needs) {
      if (!(await continued)) return undefined;
      const given: Record<string, unknown> = {};
      const keys = [...needs];
      for (let key = keys.shift(); key !== undefined; key = keys.shift()) {
        const q = questionFor(key, {...known, ...given});
        if (!q) return undefined;
        const value = await store.askQuestion(p.id, q);
        if (value === undefined) return undefined;
        given[key] = value;
        if (key === 'admin_sudo' && value === 'password' && !keys.includes('admin_password'))
          keys.push('admin_password');
      }
      setPassword = passwordSet(given, known) ?? setPassword;
      return given;
    },
    async finish(end) {
      if (exiting) return;
      const outcome: Outcome = end.result
        ? {kind: 'applied', changed: end.result.changed}
        : outcomeOf(end.error ?? new Error('the run ended'));
      await finishWith(outcome, end);
    },
  };
}
