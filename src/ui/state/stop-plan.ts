import type {StepView, StopPlan, WizardState} from './types.js';

/** The step whose commands may be running on the target right now (started, not yet finished). */
export function stepInFlight(state: WizardState): StepView | undefined {
  return state.steps.find((s) => s.status === 'applying' || s.status === 'proving');
}

/** Inside the confirmation window: the timer is armed and the last proof has not passed yet. */
export function inWindow(s: StepView): boolean {
  if (!s.timer) return false;
  return s.actions.some((r) => r.kind === 'proof' && r.status !== 'done');
}

/**
 * What Ctrl-C (or q) does now, so that nothing is ever left half-applied:
 * - nothing is changing (connecting, reading, planning, the preflight screen): exit at once;
 * - a step waits for consent: decline it, and the run stops before it;
 * - inside a confirmation window, while the proof runs: exit at once, the armed timer rolls the step back;
 * - inside the window, while the step's commands run: wait for them, then exit and leave it to the timer;
 * - any other step in flight: let it finish (or roll back), then stop before the next step.
 */
export function stopPlan(state: WizardState): StopPlan {
  if (state.phase === 'finished') return {kind: 'exit-now', reason: 'finished'};
  if (state.ask?.kind === 'secret') return {kind: 'exit-now', reason: 'nothing was changed'};
  if (state.ask?.kind === 'consent') return {kind: 'decline'};
  const s = stepInFlight(state);
  if (!s) return {kind: 'exit-now', reason: 'nothing was changing'};
  if (s.timer && inWindow(s)) {
    return s.status === 'proving'
      ? {kind: 'exit-timer', stepId: s.id, deadline: s.timer.deadline}
      : {kind: 'wait-segment', stepId: s.id, deadline: s.timer.deadline};
  }
  return {kind: 'finish-step', stepId: s.id};
}

/**
 * While waiting for a segment inside the window: once its proof starts, exit and leave the step to the
 * timer; if the step ended instead (rolled back, or done), stop before the next one. `undefined`: keep waiting.
 */
export function settleStop(state: WizardState): StopPlan | undefined {
  const plan = state.stopping;
  if (plan?.kind !== 'wait-segment') return undefined;
  const s = state.steps.find((x) => x.id === plan.stepId);
  if (!s) return undefined;
  if (s.status === 'proving') return {kind: 'exit-timer', stepId: s.id, deadline: plan.deadline};
  if (s.status !== 'applying') return {kind: 'finish-step', stepId: s.id};
  return undefined;
}
