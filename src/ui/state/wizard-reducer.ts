import type {Risk} from '../../core/types.js';
import type {EngineEvent} from '../../engine/events.js';
import {aheadLine} from '../../present/ahead-line.js';
import {assertNever} from '../../util/errors.js';
import {qrencodeCommand, wgQuickUp} from '../../wg/wg-quick.js';
import {isFinished, newStep, runReducer} from './run-reducer.js';
import type {ArtifactView, StaticItem, StepView, UiAction, WizardState} from './types.js';

export type WizardAction = EngineEvent | UiAction;

export interface WizardInit {
  label: string;
  host: string;
  recipe: string;
  steps: readonly {id: string; title: string; risk: Risk}[];
  banner: string;
  startedAt: number;
}

export function initialState(o: WizardInit): WizardState {
  return {
    phase: 'connecting',
    target: {label: o.label, host: o.host},
    recipe: o.recipe,
    connectNote: 'reading your ssh configuration',
    startedAt: o.startedAt,
    steps: o.steps.map((s) => newStep(s.id, s.title, s.risk)),
    log: [{key: 'banner', kind: 'banner', text: o.banner}],
    held: [],
    qr: {},
    qrOpen: {},
    png: {},
  };
}

/**
 * A file the engine says a step wrote. The step's first client config (the operator's own: wireguard
 * writes it first) carries its QR code, drawn beforehand; the others are files to hand on, paths only.
 * A step already printed gets the file printed under it now; otherwise it comes with the step.
 */
function withArtifact(state: WizardState, a: Extract<WizardAction, {type: 'artifact'}>): WizardState {
  const s = state.steps.find((x) => x.id === a.id);
  if (!s) return state;
  const first = a.kind === 'client-config' && !s.artifacts.some((x) => x.kind === 'client-config');
  const qr = first ? state.qr[a.path] : undefined;
  const art: ArtifactView = {path: a.path, kind: a.kind, ...(qr ? {qr} : {})};
  const step = {...s, artifacts: [...s.artifacts, art]};
  const next = {...state, steps: state.steps.map((x) => (x.id === a.id ? step : x))};
  if (!state.log.some((i) => i.key === stepKey(s))) return next;
  const item: StaticItem = {
    key: `artifact:${a.id}:${step.artifacts.length}`,
    kind: 'artifacts',
    step,
    artifacts: [art],
  };
  return {...next, log: [...next.log, item]};
}

/** A step's entry in the static log: one per attempt (a retried step's new outcome is printed too). */
function stepKey(s: StepView): string {
  return s.attempt ? `step:${s.id}#${s.attempt}` : `step:${s.id}`;
}

function stepItem(s: StepView, quiet = false): StaticItem {
  return {key: stepKey(s), kind: 'step', step: s, quiet};
}

/** Finished steps go to the static log once, in order; before the run screen they wait (held). */
function logFinished(prev: WizardState, next: WizardState): WizardState {
  const logged = new Set(next.log.map((i) => i.key));
  const newly = next.steps.filter(
    (s) => isFinished(s) && !prev.steps.find((p) => p.id === s.id && isFinished(p)) && !logged.has(stepKey(s)),
  );
  if (!newly.length) return next;
  if (next.phase === 'connecting' || next.phase === 'preflight')
    return {...next, held: [...next.held, ...newly.map((s) => s.id)]};
  return {...next, log: [...next.log, ...newly.map((s) => stepItem(s))]};
}

function releaseHeld(s: WizardState): WizardState {
  const items = s.held.map((id) => s.steps.find((x) => x.id === id)).filter((x): x is StepView => Boolean(x));
  return {...s, held: [], log: [...s.log, ...items.map((x) => stepItem(x, true))]};
}

/** What was found, with the findings of the steps that finished meanwhile (preflight's), printed once. */
function preflightItem(s: WizardState): StaticItem[] {
  if (!s.preflight) return [];
  const findings = s.held.flatMap((id) => s.steps.find((x) => x.id === id)?.findings ?? []);
  return [{key: 'preflight', kind: 'preflight', info: s.preflight, findings}];
}

/** The wizard's whole state, from engine events and the operator's answers. Pure. */
export function wizardReducer(state: WizardState, a: WizardAction): WizardState {
  switch (a.type) {
    case 'ui.connecting':
      return {
        ...state,
        connectNote: a.note,
        target: {label: a.label ?? state.target.label, host: a.host ?? state.target.host},
      };
    case 'ui.connected':
      return {...state, phase: 'preflight', preflight: a.preflight};
    case 'ui.continue':
      if (state.phase !== 'preflight') return state;
      return releaseHeld({...state, phase: 'run', log: [...state.log, ...preflightItem(state)]});
    case 'ui.values':
      return {
        ...state,
        steps: state.steps.map((s) =>
          s.id === a.id ? {...s, values: a.values, ...(a.editable && {editable: a.editable})} : s,
        ),
      };
    case 'ui.edited': {
      const ask = state.ask;
      if (ask?.kind !== 'consent') return state;
      return {
        ...state,
        ask: undefined,
        steps: state.steps.map((s) => (s.id === ask.stepId ? {...s, status: 'planning' as const} : s)),
      };
    }
    case 'ui.ask':
      return {
        ...state,
        ask: a.ask,
        steps:
          a.ask.kind !== 'secret'
            ? // A step that ended (rolled back, asked what next) keeps its status: a retry is a new attempt.
              state.steps.map((s) =>
                a.ask.kind !== 'secret' && s.id === a.ask.stepId && !isFinished(s) ? {...s, status: 'waiting'} : s,
              )
            : state.steps,
      };
    case 'ui.answered': {
      const ask = state.ask;
      if (!ask) return state;
      if (ask.kind !== 'consent' || a.ok) return {...state, ask: undefined};
      const next = {
        ...state,
        ask: undefined,
        steps: state.steps.map((s) => (s.id === ask.stepId ? {...s, status: 'declined' as const} : s)),
      };
      return logFinished(state, next);
    }
    case 'ui.stop':
      return {...state, stopping: a.plan};
    case 'ui.qr':
      return {...state, qr: {...state.qr, [a.path]: a.rows}};
    case 'ui.qr-view':
      return {...state, qrOpen: {...state.qrOpen, [a.path]: a.open}};
    case 'ui.png': {
      const next = {...state, png: {...state.png, [a.path]: a.png}};
      const png = 'path' in a.png ? a.png.path : undefined;
      if (png === undefined || state.log.some((i) => i.key === `png:${png}`)) return next;
      // Its path, whole on one row, to copy: the live view may be too narrow for it.
      const item: StaticItem = {
        key: `png:${png}`,
        kind: 'copy',
        about: "the QR code as a PNG (0600: it holds your peer's private key):",
        text: png,
      };
      return {...next, log: [...next.log, item]};
    }
    case 'artifact':
      return withArtifact(state, a);
    case 'ui.finish': {
      // Once the run screen was reached, steps the run never got to are marked and listed as not run;
      // before that (no connection, refused, quit at preflight) the finish block says it all.
      const o = a.finish.outcome;
      const steps =
        state.phase === 'run'
          ? state.steps.map((s) =>
              o.kind === 'left-to-timer' && s.id === o.stepId
                ? {...s, status: 'left-to-timer' as const}
                : s.status === 'pending' || s.status === 'planning' || s.status === 'waiting'
                  ? {...s, status: 'not-run' as const}
                  : s,
            )
          : state.steps;
      const early = state.phase === 'connecting' || state.phase === 'preflight';
      const base = releaseHeld({
        ...state,
        phase: 'run',
        steps,
        log: early ? [...state.log, ...preflightItem(state)] : state.log,
      });
      const logged = logFinished(state, base);
      const withHeld = logged.held.length ? releaseHeld(logged) : logged;
      return {
        ...withHeld,
        phase: 'finished',
        ask: undefined,
        finish: a.finish,
        log: [
          ...withHeld.log,
          {key: 'finish', kind: 'finish', finish: a.finish, target: state.target.label, steps: withHeld.steps},
        ],
      };
    }
    case 'proof.start':
      return withProofStart(state, a);
    case 'packages.ahead':
      return {...state, log: [...state.log, {key: 'ahead', kind: 'note', text: aheadLine(a)}]};
    case 'facts':
    case 'values':
    case 'step.planned':
    case 'step.start':
    case 'action.start':
    case 'output':
    case 'timer.armed':
    case 'timer.deadline':
    case 'reconnecting':
    case 'proof.progress':
    case 'proof.ok':
    case 'proof.failed':
    case 'step.compliant':
    case 'step.skipped':
    case 'step.done':
    case 'step.rolled-back':
    case 'step.failed':
    case 'finding':
      return withEvent(state, a);
    default:
      return assertNever(a, 'action');
  }
}

/** An engine event folded into the steps; a step it finished goes to the static log. */
function withEvent(state: WizardState, a: EngineEvent): WizardState {
  const steps = runReducer(state.steps, a);
  if (steps === state.steps && a.type !== 'facts') return state;
  const next = {...state, steps, factsSummary: a.type === 'facts' ? a.summary : state.factsSummary};
  return logFinished(state, next);
}

/**
 * A proof through a tunnel the operator brings up: the commands to bring it up (and to draw its QR code
 * elsewhere) are printed once, to copy, before the wait.
 */
function withProofStart(state: WizardState, a: Extract<EngineEvent, {type: 'proof.start'}>): WizardState {
  if (!a.tunnel || a.tunnel.connect || state.log.some((i) => i.key === `copy:${a.id}`)) return withEvent(state, a);
  const text = wgQuickUp(a.tunnel.confPath, a.tunnel.localIface);
  const item: StaticItem = {
    key: `copy:${a.id}`,
    kind: 'copy',
    about: 'to bring the tunnel up from a laptop (Linux, macOS with wireguard-tools), run:',
    text,
  };
  const qr: StaticItem = {
    key: `copy-qr:${a.id}`,
    kind: 'copy',
    about: 'to draw its QR code in another terminal (a taller one, or over ssh), run:',
    text: qrencodeCommand(a.tunnel.confPath),
  };
  return logFinished(state, {...state, steps: runReducer(state.steps, a), log: [...state.log, item, qr]});
}
