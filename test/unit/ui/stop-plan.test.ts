import {describe, expect, it} from 'vitest';
import {settleStop, stopPlan} from '../../../src/ui/state/stop-plan.js';
import type {WizardState} from '../../../src/ui/state/types.js';
import {initialState, type WizardAction, wizardReducer} from '../../../src/ui/state/wizard-reducer.js';
import {ADMIN, SSH, STEPS} from './fixtures.js';

const base: WizardAction[] = [
  {type: 'ui.connected', preflight: {platform: '', ssh: '', you: '', firewall: '', listeners: [], notes: []}},
  {type: 'step.compliant', id: 'preflight'},
  {type: 'ui.continue'},
];
const state = (actions: WizardAction[]): WizardState =>
  [...base, ...actions].reduce(
    wizardReducer,
    initialState({label: 'l', host: 'h', recipe: 'r', steps: STEPS, banner: 'b', startedAt: 0}),
  );
const inWindow: WizardAction[] = [
  {type: 'step.planned', step: SSH},
  {type: 'step.start', id: 'ssh-hardening'},
  {type: 'timer.armed', id: 'ssh-hardening', seconds: 120, deadline: 99_000},
];

describe('stopPlan: Ctrl-C never leaves a step half-applied', () => {
  it('exits at once while connecting, on the preflight screen and while planning', () => {
    const init = initialState({label: 'l', host: 'h', recipe: 'r', steps: STEPS, banner: 'b', startedAt: 0});
    expect(stopPlan(init).kind).toBe('exit-now');
    expect(stopPlan(state([])).kind).toBe('exit-now');
  });

  it('declines a step that waits for consent', () => {
    const s = state([
      {type: 'step.planned', step: ADMIN},
      {type: 'ui.ask', ask: {kind: 'consent', stepId: 'admin-user'}},
    ]);
    expect(stopPlan(s)).toEqual({kind: 'decline'});
  });

  it('lets a reversible step in flight finish, then stops before the next', () => {
    const s = state([
      {type: 'step.planned', step: ADMIN},
      {type: 'step.start', id: 'admin-user'},
    ]);
    expect(stopPlan(s)).toEqual({kind: 'finish-step', stepId: 'admin-user'});
  });

  it('inside the window, waits for the running commands, then leaves the step to the timer', () => {
    const running = state(inWindow);
    expect(stopPlan(running)).toEqual({kind: 'wait-segment', stepId: 'ssh-hardening', deadline: 99_000});
    const proving = state([
      ...inWindow,
      {type: 'proof.start', id: 'ssh-hardening', what: 'w', command: 'ssh -p 2222 admin@h', deadline: 99_000},
    ]);
    expect(stopPlan(proving)).toEqual({kind: 'exit-timer', stepId: 'ssh-hardening', deadline: 99_000});
  });

  it('after the last proof passed, the step finishes (the disarm must run)', () => {
    const s = state([
      ...inWindow,
      {type: 'proof.start', id: 'ssh-hardening', what: 'w', command: 'c'},
      {type: 'proof.ok', id: 'ssh-hardening', what: 'w', ms: 1},
      {type: 'action.start', id: 'ssh-hardening', index: 5, summary: 'disarm'},
    ]);
    expect(stopPlan(s)).toEqual({kind: 'finish-step', stepId: 'ssh-hardening'});
  });

  it('a secret prompt exits at once; so does a finished run', () => {
    const s = state([{type: 'ui.ask', ask: {kind: 'secret', message: 'pw'}}]);
    expect(stopPlan(s).kind).toBe('exit-now');
  });
});

describe('settleStop', () => {
  const waiting = (actions: WizardAction[]) =>
    state([
      ...inWindow,
      {type: 'ui.stop', plan: {kind: 'wait-segment', stepId: 'ssh-hardening', deadline: 99_000}},
      ...actions,
    ]);

  it('keeps waiting while the segment runs', () => {
    expect(settleStop(waiting([]))).toBeUndefined();
  });

  it('exits to the timer once the proof starts', () => {
    const s = waiting([{type: 'proof.start', id: 'ssh-hardening', what: 'w', command: 'c'}]);
    expect(settleStop(s)).toEqual({kind: 'exit-timer', stepId: 'ssh-hardening', deadline: 99_000});
  });

  it('stops before the next step when the step ended instead (rolled back)', () => {
    const s = waiting([{type: 'step.rolled-back', id: 'ssh-hardening', reason: 'sshd -t failed; restored'}]);
    expect(settleStop(s)).toEqual({kind: 'finish-step', stepId: 'ssh-hardening'});
  });

  it('does nothing unless a segment is being waited for', () => {
    expect(settleStop(state(inWindow))).toBeUndefined();
  });
});
