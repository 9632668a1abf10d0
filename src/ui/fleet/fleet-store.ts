import {type FleetUiAction, type FleetUiState, fleetReducer} from './fleet-state.js';

/**
 * The fleet wizard's state, shared by the command (which dispatches what happens) and the Ink view (which
 * answers the questions). One question at a time: `ask` waits for `answer`. Ctrl-C goes through `stop`.
 */
export class FleetStore {
  private state: FleetUiState;
  private readonly listeners = new Set<() => void>();
  private pending?: (ok: boolean) => void;
  private stops = 0;
  /** Aborted at the first Ctrl-C: no further batch (nor queued host) starts. */
  readonly stopRun = new AbortController();
  /** Aborted at the second: hosts in flight stop after their step in flight. */
  readonly stopHosts = new AbortController();

  constructor(initial: FleetUiState) {
    this.state = initial;
  }

  getState = (): FleetUiState => this.state;

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  dispatch = (a: FleetUiAction): void => {
    this.state = fleetReducer(this.state, a);
    for (const l of this.listeners) l();
  };

  /** Shows a question (the review's or the rollout's) and waits for the operator's answer. */
  ask(a: Extract<FleetUiAction, {type: 'review' | 'ask-rollout'}>): Promise<boolean> {
    this.pending?.(false);
    return new Promise((resolve) => {
      this.pending = resolve;
      this.dispatch(a);
    });
  }

  answer = (ok: boolean): void => {
    const p = this.pending;
    this.pending = undefined;
    p?.(ok);
  };

  /**
   * Ctrl-C (a key in the wizard, or SIGINT): a question is answered no; while hosts run, the first stops
   * the run before the next batch, the second makes hosts in flight stop after their step. Returns how
   * many times it was asked while no question was up (0 when it answered one), so a third can leave at once.
   */
  stop = (): number => {
    if (this.pending) {
      this.answer(false);
      return 0;
    }
    this.stops++;
    this.dispatch({type: 'stop'});
    if (this.stops === 1) this.stopRun.abort();
    else this.stopHosts.abort();
    return this.stops;
  };
}
