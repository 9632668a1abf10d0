import type {PlannedStep} from '../core/types.js';
import type {EngineEvent} from '../engine/events.js';
import type {ConfirmAnswer} from '../engine/runbook.js';
import {parseSets} from '../recipes/load.js';
import {checkAnswer, type Question} from './model/questions.js';
import type {WizardState} from './state/types.js';
import {initialState, type WizardAction, type WizardInit, wizardReducer} from './state/wizard-reducer.js';

/**
 * The wizard's state outside React: the engine and the CLI dispatch into it, Ink components subscribe
 * (useSyncExternalStore). Questions to the operator are promises the components settle.
 */
export class WizardStore {
  private state: WizardState;
  private readonly listeners = new Set<() => void>();
  private consent?: (answer: ConfirmAnswer) => void;
  private secret?: (value: string | undefined) => void;
  private question?: (value: unknown) => void;
  private readonly stopListeners = new Set<() => void>();
  private continued?: (go: boolean) => void;
  /**
   * Checks edited values against every step of the run before the step is planned again (set by the
   * frontend, which knows the steps): the reason they are refused, shown in the form, or undefined.
   */
  checkEdit?: (values: Record<string, unknown>) => string | undefined;
  /** Writes the QR code of the client config at a path as a PNG (set by the frontend, which owns files). */
  savePng?: (confPath: string) => void;

  constructor(init: WizardInit) {
    this.state = initialState(init);
  }

  getState = (): WizardState => this.state;

  subscribe = (f: () => void): (() => void) => {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  };

  dispatch = (a: WizardAction): void => {
    const next = wizardReducer(this.state, a);
    if (next === this.state) return;
    this.state = next;
    for (const f of this.listeners) f();
  };

  /** The engine's event sink. */
  readonly events = (e: EngineEvent): void => this.dispatch(e);

  /**
   * Resolves true when the operator approves the step, false when they decline (the run stops before it),
   * or with edited recipe values to plan the step again with (see editValue).
   */
  askConsent(p: PlannedStep): Promise<ConfirmAnswer> {
    return new Promise((resolve) => {
      this.consent = resolve;
      this.dispatch({type: 'ui.ask', ask: {kind: 'consent', stepId: p.id}});
    });
  }

  answerConsent = (ok: boolean): void => {
    const f = this.consent;
    if (!f || this.state.ask?.kind !== 'consent') return;
    this.consent = undefined;
    this.dispatch({type: 'ui.answered', ok});
    f(ok);
  };

  /**
   * A recipe value edited in the review, as text: checked exactly as `--set key=value` is. Returns the
   * reason when it is not valid (nothing is planned again); otherwise the engine plans the step again
   * with it. Empty text means the default (the key is unset).
   */
  editValue = (key: string, text: string): string | undefined => {
    const f = this.consent;
    if (!f || this.state.ask?.kind !== 'consent') return 'there is no step waiting for an answer';
    let values: Record<string, unknown>;
    try {
      values = text.trim() === '' ? {[key]: undefined} : parseSets([`${key}=${text}`]);
    } catch (e) {
      return (e as Error).message.replace(/^--set /, '');
    }
    const refused = this.checkEdit?.(values);
    if (refused) return refused;
    this.consent = undefined;
    this.dispatch({type: 'ui.edited'});
    f({values});
    return undefined;
  };

  /**
   * Asks the operator for a value a step needs (questions.ts): resolves with it, checked as `--set`
   * checks it, or undefined when the operator declines (Esc).
   */
  askQuestion(stepId: string, question: Question): Promise<unknown> {
    return new Promise((resolve) => {
      this.question = resolve;
      this.dispatch({type: 'ui.ask', ask: {kind: 'question', stepId, question}});
    });
  }

  /** The operator's answer as text (undefined: declined). Returns why it is refused; the question stays. */
  answerQuestion = (text: string | undefined): string | undefined => {
    const f = this.question;
    const ask = this.state.ask;
    if (!f || ask?.kind !== 'question') return undefined;
    let value: unknown;
    if (text !== undefined) {
      const r = checkAnswer(ask.question, text);
      if ('error' in r) return r.error;
      value = r.value;
    }
    this.question = undefined;
    this.dispatch({type: 'ui.answered', ok: text !== undefined});
    f(value);
    return undefined;
  };

  /** A hidden answer (the sudo password); undefined when the operator declines. */
  askSecret(message: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.secret = resolve;
      this.dispatch({type: 'ui.ask', ask: {kind: 'secret', message}});
    });
  }

  answerSecret = (value: string | undefined): void => {
    const f = this.secret;
    if (!f) return;
    this.secret = undefined;
    this.dispatch({type: 'ui.answered', ok: value !== undefined});
    f(value);
  };

  /** Resolves when the operator leaves the preflight screen: true to go on, false to quit. */
  waitForContinue(): Promise<boolean> {
    return new Promise((resolve) => {
      this.continued = resolve;
    });
  }

  continueRun = (go: boolean): void => {
    const f = this.continued;
    if (!f) return;
    this.continued = undefined;
    if (go) this.dispatch({type: 'ui.continue'});
    f(go);
  };

  /** Ctrl-C or q: the CLI decides what stopping means right now (see state/stop-plan.ts). */
  requestStop = (): void => {
    for (const f of this.stopListeners) f();
  };

  onStop(f: () => void): () => void {
    this.stopListeners.add(f);
    return () => this.stopListeners.delete(f);
  }
}
