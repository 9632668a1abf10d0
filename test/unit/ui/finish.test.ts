import {describe, expect, it} from 'vitest';
import {buildFinish, endpointOf, exposureRows} from '../../../src/ui/model/finish.js';
import {finishLines} from '../../../src/ui/model/finish-lines.js';
import {newStep} from '../../../src/ui/state/run-reducer.js';
import type {StepView} from '../../../src/ui/state/types.js';
import {exposure} from './fixtures.js';

const before = [
  exposure('0.0.0.0', 22, 'sshd', false),
  exposure('0.0.0.0', 8080, 'python3', true),
  exposure('127.0.0.1', 25, 'exim4', false, false),
];
const after = [exposure('0.0.0.0', 2222, 'sshd', false), exposure('0.0.0.0', 8080, 'python3', true)];

const done = (id: string, command: string): StepView => ({
  ...newStep(id, id, 'lockout'),
  status: 'done',
  proofs: [{what: 'w', command, state: 'ok', ms: 1}],
});

describe('exposureRows', () => {
  it('pairs sockets before and after; closed and new ones have one side; loopback-only ones are left out', () => {
    expect(exposureRows(before, after)).toEqual([
      {key: '0.0.0.0:22/tcp', process: 'sshd', before: 'open'},
      {key: '0.0.0.0:2222/tcp', process: 'sshd', after: 'open'},
      {key: '0.0.0.0:8080/tcp', process: 'python3', before: 'exposed', after: 'exposed'},
    ]);
  });
});

describe('endpointOf', () => {
  it('turns the proven ssh command into a TARGET', () => {
    expect(endpointOf('ssh -p 2222 admin@203.0.113.5')).toBe('admin@203.0.113.5:2222');
    expect(endpointOf('ssh admin@203.0.113.5')).toBe('admin@203.0.113.5');
    expect(endpointOf('rm -rf /')).toBeUndefined();
  });
});

describe('buildFinish', () => {
  it('points rollback and status at the way in that was proven last, with the same ssh options', () => {
    const f = buildFinish({
      outcome: {kind: 'applied', changed: 5},
      before,
      after,
      journal: '/j.jsonl',
      steps: [done('admin-user', 'ssh admin@192.0.2.10'), done('ssh-hardening', 'ssh -p 2222 admin@192.0.2.10')],
      target: 'root@192.0.2.10',
      extraArgs: '--ssh-config /x/config',
    });
    expect(f.wayIn).toBe('ssh -p 2222 admin@192.0.2.10');
    expect(f.rollback).toBe('portcullis rollback admin@192.0.2.10:2222 --ssh-config /x/config');
    expect(f.status).toBe('portcullis status admin@192.0.2.10:2222 --ssh-config /x/config');
  });

  it('ignores proofs of rolled-back steps and offers no rollback when nothing was applied', () => {
    const rolled: StepView = {...done('ssh-hardening', 'ssh -p 2222 admin@h'), status: 'rolled-back'};
    const f = buildFinish({
      outcome: {kind: 'failed', message: 'could not prove'},
      before,
      steps: [rolled],
      target: 'root@h',
      extraArgs: '',
    });
    expect(f.wayIn).toBeUndefined();
    expect(f.rollback).toBeUndefined();
    const text = finishLines(f, [rolled], 'root@h', 80)
      .map((l) => l.text)
      .join(' ');
    expect(text).toMatch(/Not done: ssh-hardening was rolled back \(why: above\); everything it changed is restored\./);
    expect(f.status).toBe('portcullis status root@h');
    expect(f.exposuresAfterKnown).toBe(false);
  });
});

describe('finishLines', () => {
  it('says what changed, exposure before and after, the journal and how to undo', () => {
    const steps = [done('admin-user', 'ssh admin@h'), done('ssh-hardening', 'ssh -p 2222 admin@h')];
    const f = buildFinish({
      outcome: {kind: 'applied', changed: 5},
      before,
      after,
      journal: '/j',
      steps,
      target: 'root@h',
      extraArgs: '',
    });
    const text = finishLines(f, steps, 'root@h:22', 80)
      .map((l) => `${l.label ?? ''} ${l.text}`)
      .join('\n');
    expect(text).toMatch(/Done: 2 step\(s\) applied, 5 change\(s\) on root@h:22/);
    expect(text).toMatch(/0\.0\.0\.0:22\/tcp sshd +open +closed/);
    expect(text).toMatch(/0\.0\.0\.0:2222\/tcp sshd +new +open/);
    expect(text).toMatch(/8080\/tcp python3 +EXPOSED +EXPOSED/);
    expect(text).toMatch(/Undo +portcullis rollback admin@h:2222/);
    expect(text).toMatch(/Journal +\/j/);
  });

  it('says when the timer owns the step and at what time it restores it', () => {
    const steps = [{...newStep('ssh-hardening', 'SSH hardening', 'lockout' as const), status: 'proving' as const}];
    const at = new Date(2026, 0, 1, 14, 3, 12).getTime();
    const f = buildFinish({
      outcome: {kind: 'left-to-timer', stepId: 'ssh-hardening', deadline: at},
      before,
      steps,
      target: 't',
      extraArgs: '',
    });
    const text = finishLines(f, steps, 't', 80)
      .map((l) => l.text)
      .join(' ');
    expect(text).toMatch(
      /confirmation window of SSH hardening: the dead-man timer on the target restores it at 14:03:12/,
    );
    expect(text).toMatch(/portcullis rollback t/);
    // While the window runs the step is live: the advice says to wait, then what to run (the lock is stale).
    const rows = finishLines(f, steps, 't', 80);
    const row = (label: string) => rows.findIndex((l) => l.label === label);
    expect(rows[row('Wait')]?.text).toMatch(/^until 14:03:12: the step is live until its timer restores it/);
    expect(row('Wait')).toBeLessThan(row('Check'));
    expect(rows[row('Check')]?.text).toBe('portcullis status t');
    expect(rows[row('Again')]?.text).toBe('portcullis t --break-lock');
    expect(rows.some((l) => /break-lock/.test(l.text) && l.label !== 'Again')).toBe(false);
  });
});
