import {describe, expect, it} from 'vitest';
import {stepOf, taskUpdates} from '../../../src/headless/task-updates.js';

describe('taskUpdates', () => {
  it('words progress as the line reporter did, so logs read the same', () => {
    expect(
      taskUpdates({type: 'proof.start', id: 's', what: 'admin on 2222', command: 'ssh -p 2222 admin@h'}, 'S'),
    ).toEqual([{kind: 'output', text: 'proving admin on 2222 (ssh -p 2222 admin@h)'}]);
    expect(taskUpdates({type: 'timer.armed', id: 's', seconds: 120, deadline: 0}, 'S')[0]).toMatchObject({
      text: expect.stringMatching(/dead-man timer armed: .* 120 s unless the new way in is proven/),
    });
  });

  it('settles the task: done and compliant succeed, rollbacks and refusals fail with the reason', () => {
    expect(taskUpdates({type: 'step.done', id: 's', changed: 3, ms: 1500}, 'SSH hardening')).toEqual([
      {kind: 'ok', title: 'SSH hardening: 3 change(s) in 1.5 s'},
    ]);
    expect(taskUpdates({type: 'step.compliant', id: 's'}, 'Preflight')).toEqual([
      {kind: 'ok', title: 'Preflight: already compliant, nothing to change'},
    ]);
    expect(taskUpdates({type: 'step.rolled-back', id: 's', reason: 'restored'}, 'SSH hardening')).toEqual([
      {kind: 'fail', message: 'SSH hardening rolled back: restored'},
    ]);
  });

  it('drops info findings, cleans output lines and knows the step of each event', () => {
    expect(taskUpdates({type: 'finding', id: 's', finding: {level: 'info', message: 'x'}}, 'S')).toEqual([]);
    expect(taskUpdates({type: 'output', id: 's', line: '\u001b[1mbold\u001b[0m'}, 'S')).toEqual([
      {kind: 'output', text: '  bold'},
    ]);
    expect(stepOf({type: 'facts', summary: ''})).toBeUndefined();
    expect(stepOf({type: 'step.start', id: 'admin-user'})).toBe('admin-user');
  });
});
