import {describe, expect, it} from 'vitest';
import type {EngineEvent} from '../../../src/engine/events.js';
import {cleanLine} from '../../../src/present/clean-line.js';
import {newStep, OUTPUT_TAIL, runReducer} from '../../../src/ui/state/run-reducer.js';
import type {StepView} from '../../../src/ui/state/types.js';
import {ADMIN, SSH, STEPS} from './fixtures.js';

const fresh = (): StepView[] => STEPS.map((s) => newStep(s.id, s.title, s.risk));
const fold = (events: EngineEvent[], steps = fresh()) => events.reduce(runReducer, steps);
const byId = (steps: StepView[], id: string) => steps.find((s) => s.id === id) as StepView;

describe('runReducer', () => {
  it("the countdown runs to the target's deadline once its arming line is back; a lost connection shows in the tail", () => {
    const s = fold([
      {type: 'step.planned', step: SSH},
      {type: 'step.start', id: 'ssh-hardening'},
      {type: 'timer.armed', id: 'ssh-hardening', seconds: 120, deadline: 1_000_000},
      {type: 'timer.deadline', id: 'ssh-hardening', deadline: 999_000, server: 1_796_284_000},
      {type: 'reconnecting', id: 'ssh-hardening', attempt: 2, waitMs: 2000, reason: 'timed out', until: 1},
    ]);
    const x = byId(s, 'ssh-hardening');
    expect(x.timer).toEqual({seconds: 120, deadline: 999_000, server: 1_796_284_000});
    expect(x.output.at(-1)).toMatch(/connection lost \(timed out\): trying again in 2 s, attempt 2/);
  });

  it('facts start planning the first step; a compliant step hands over to the next', () => {
    const s = fold([
      {type: 'facts', summary: 'Debian 12'},
      {
        type: 'step.planned',
        step: {
          ...ADMIN,
          id: 'preflight',
          title: 'Preflight',
          plan: {actions: [], findings: [], onRollback: []},
          diffs: [],
        },
      },
      {type: 'finding', id: 'preflight', finding: {level: 'warn', message: 'python3 listens on 0.0.0.0:8080'}},
      {type: 'step.compliant', id: 'preflight'},
    ]);
    expect(s.map((x) => x.status)).toEqual(['compliant', 'planning', 'pending']);
    expect(byId(s, 'preflight').findings).toHaveLength(1);
  });

  it('tracks a lockout step through its segments, proof and timer', () => {
    let s = fold([
      {type: 'step.planned', step: SSH},
      {type: 'step.start', id: 'ssh-hardening'},
      {type: 'action.start', id: 'ssh-hardening', index: 0, summary: 'arm'},
      {type: 'timer.armed', id: 'ssh-hardening', seconds: 120, deadline: 1_000_000},
      {type: 'action.start', id: 'ssh-hardening', index: 1, summary: 'write'},
    ]);
    let x = byId(s, 'ssh-hardening');
    expect(x.status).toBe('applying');
    expect(x.timer).toEqual({seconds: 120, deadline: 1_000_000});
    expect(x.actions.map((r) => r.status)).toEqual(['running', 'running', 'pending', 'pending', 'pending', 'pending']);

    s = fold(
      [
        {
          type: 'proof.start',
          id: 'ssh-hardening',
          what: 'admin on 2222',
          command: 'ssh -p 2222 admin@h',
          deadline: 1_000_000,
        },
      ],
      s,
    );
    x = byId(s, 'ssh-hardening');
    expect(x.status).toBe('proving');
    // The segment before the proof has finished; the proof row runs.
    expect(x.actions.map((r) => r.status)).toEqual(['done', 'done', 'pending', 'pending', 'running', 'pending']);
    expect(x.proofs).toEqual([{what: 'admin on 2222', command: 'ssh -p 2222 admin@h', state: 'running'}]);

    s = fold(
      [
        {type: 'proof.ok', id: 'ssh-hardening', what: 'admin on 2222', ms: 300},
        {type: 'step.done', id: 'ssh-hardening', changed: 3, ms: 4000},
      ],
      s,
    );
    x = byId(s, 'ssh-hardening');
    expect(x.status).toBe('done');
    expect(x.timer).toBeUndefined();
    expect(x.proofs[0]).toMatchObject({state: 'ok', ms: 300});
    expect(x.actions.every((r) => r.status === 'done')).toBe(true);
  });

  it('a failed proof and a rollback mark the step and its rows', () => {
    const s = fold([
      {type: 'step.planned', step: SSH},
      {type: 'step.start', id: 'ssh-hardening'},
      {type: 'timer.armed', id: 'ssh-hardening', seconds: 120, deadline: 5},
      {type: 'proof.start', id: 'ssh-hardening', what: 'admin on 2222', command: 'ssh -p 2222 admin@h'},
      {type: 'proof.failed', id: 'ssh-hardening', what: 'admin on 2222', reason: 'port 2222 is unreachable'},
      {type: 'step.rolled-back', id: 'ssh-hardening', reason: 'could not prove it; everything restored'},
    ]);
    const x = byId(s, 'ssh-hardening');
    expect(x.status).toBe('rolled-back');
    expect(x.reason).toMatch(/restored/);
    expect(x.timer).toBeUndefined();
    expect(x.actions[4]?.status).toBe('failed');
    expect(x.proofs[0]).toMatchObject({state: 'failed', reason: 'port 2222 is unreachable'});
    // Nothing runs next: a rollback ends the run.
    expect(byId(s, 'preflight').status).toBe('pending');
  });

  it(`keeps only the last ${OUTPUT_TAIL} output lines, cleaned, and drops blank ones`, () => {
    const lines = Array.from({length: 20}, (_, i) => ({type: 'output' as const, id: 'admin-user', line: `line ${i}`}));
    const s = fold([
      {type: 'step.planned', step: ADMIN},
      ...lines,
      {type: 'output', id: 'admin-user', line: '   '},
      {type: 'output', id: 'admin-user', line: '\u001b[31mred\u001b[0m\tend\u0007'},
    ]);
    const out = byId(s, 'admin-user').output;
    expect(out).toHaveLength(OUTPUT_TAIL);
    expect(out.at(-1)).toBe('red  end');
    expect(out[0]).toBe('line 13');
  });

  it('a tunnel proof keeps its client config and deadline, then the handshake; files are kept by path', () => {
    const tunnel = {confPath: '/home/op/wg/vps-admin.conf', localIface: 'pcw1', connect: false, deadline: 9_000};
    let s = fold([
      {type: 'step.planned', step: ADMIN},
      {type: 'step.start', id: 'admin-user'},
      {type: 'proof.start', id: 'admin-user', what: 'admin through the tunnel', command: 'ssh admin@10.66.0.1', tunnel},
    ]);
    expect(byId(s, 'admin-user').proofs.at(-1)).toEqual({
      what: 'admin through the tunnel',
      command: 'ssh admin@10.66.0.1',
      state: 'running',
      tunnel,
    });
    const message = 'handshake seen, now log in through the tunnel: ssh admin@10.66.0.1';
    s = fold(
      [{type: 'proof.progress', id: 'admin-user', what: 'admin through the tunnel', stage: 'handshake', message}],
      s,
    );
    expect(byId(s, 'admin-user').proofs.at(-1)?.handshake).toBe(message);
    s = fold([{type: 'proof.ok', id: 'admin-user', what: 'admin through the tunnel', ms: 5}], s);
    // A late progress event does not touch a proof that already passed.
    const after = fold([{type: 'proof.progress', id: 'admin-user', what: 'x', stage: 'handshake', message: 'late'}], s);
    expect(byId(after, 'admin-user').proofs.at(-1)?.handshake).toBe(message);
    s = fold([{type: 'artifact', id: 'admin-user', path: '/home/op/wg/vps-admin.conf', kind: 'client-config'}], s);
    expect(byId(s, 'admin-user').artifacts).toEqual([{path: '/home/op/wg/vps-admin.conf', kind: 'client-config'}]);
    // A proof without a tunnel carries none.
    const plain = fold([
      {type: 'step.planned', step: SSH},
      {type: 'proof.start', id: 'ssh-hardening', what: 'p', command: 'ssh h'},
    ]);
    expect(byId(plain, 'ssh-hardening').proofs[0]).not.toHaveProperty('tunnel');
  });

  it('ignores events for steps it does not know', () => {
    const before = fresh();
    const after = runReducer(before, {type: 'step.done', id: 'nope', changed: 1, ms: 1});
    expect(after.map((s) => s.status)).toEqual(before.map((s) => s.status));
  });
});

describe('cleanLine', () => {
  it('strips CSI and OSC sequences and control characters', () => {
    expect(cleanLine('\u001b[2J\u001b]0;title\u0007ok\r')).toBe('ok');
    expect(cleanLine('a\u001b[1;31mb')).toBe('ab');
  });
});
