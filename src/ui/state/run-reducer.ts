import type {PlannedStep, Risk} from '../../core/types.js';
import type {EngineEvent} from '../../engine/events.js';
import {actionSummary} from '../../present/action-text.js';
import {cleanLine} from '../../present/clean-line.js';
import {assertNever} from '../../util/errors.js';
import type {ActionRow, RowStatus, StepStatus, StepView} from './types.js';

/** Lines of command output kept per step: the live tail, not a log. */
export const OUTPUT_TAIL = 8;

export const FINISHED: readonly StepStatus[] = [
  'done',
  'compliant',
  'rolled-back',
  'failed',
  'declined',
  'skipped',
  'left-to-timer',
  'not-run',
];

export function isFinished(s: StepView): boolean {
  return FINISHED.includes(s.status);
}

export function newStep(id: string, title: string, risk: Risk): StepView {
  return {
    id,
    title,
    risk,
    status: 'pending',
    values: [],
    findings: [],
    actions: [],
    output: [],
    proofs: [],
    artifacts: [],
  };
}

function rowsOf(p: PlannedStep): ActionRow[] {
  return p.plan.actions.map((a) => ({kind: a.kind, summary: actionSummary(a), status: 'pending' as RowStatus}));
}

function setRows(rows: ActionRow[], from: RowStatus, to: RowStatus): ActionRow[] {
  return rows.map((r) => (r.status === from ? {...r, status: to} : r));
}

/** The step after a finished one is being probed and planned, unless the run is over. */
function planNext(steps: StepView[], finishedId: string): StepView[] {
  const i = steps.findIndex((s) => s.id === finishedId);
  if (i < 0) return steps;
  const next = steps[i + 1];
  if (next?.status !== 'pending') return steps;
  return steps.map((s, k) => (k === i + 1 ? {...s, status: 'planning'} : s));
}

function update(steps: StepView[], id: string, f: (s: StepView) => StepView): StepView[] {
  return steps.map((s) => (s.id === id ? f(s) : s));
}

/** Engine events folded into the step list. Pure: the same events always give the same list. */
export function runReducer(steps: StepView[], e: EngineEvent): StepView[] {
  switch (e.type) {
    case 'facts':
      return steps.map((s, i) => (i === 0 && s.status === 'pending' ? {...s, status: 'planning'} : s));
    case 'step.planned':
      return update(steps, e.step.id, (s) => ({
        ...s,
        title: e.step.title,
        risk: e.step.risk,
        // A step planned again after it was rolled back is being retried: a new attempt.
        status: s.status === 'pending' || s.status === 'rolled-back' ? 'planning' : s.status,
        ...(s.status === 'rolled-back' && {
          attempt: (s.attempt ?? 0) + 1,
          reason: undefined,
          proofs: [],
          timer: undefined,
        }),
        planned: e.step,
        actions: rowsOf(e.step),
        findings: [],
        output: [],
      }));
    case 'finding':
      return update(steps, e.id, (s) => ({...s, findings: [...s.findings, e.finding]}));
    case 'step.start':
      return update(steps, e.id, (s) => ({...s, status: 'applying'}));
    case 'action.start':
      return update(steps, e.id, (s) => ({
        ...s,
        actions: s.actions.map((r, i) => (i === e.index ? {...r, status: 'running'} : r)),
      }));
    case 'output': {
      const line = cleanLine(e.line);
      if (!line.trim()) return steps;
      return update(steps, e.id, (s) => ({...s, output: [...s.output, line].slice(-OUTPUT_TAIL)}));
    }
    case 'timer.armed':
      return update(steps, e.id, (s) => ({...s, timer: {seconds: e.seconds, deadline: e.deadline}}));
    case 'reconnecting': {
      const line = `connection lost (${e.reason.slice(0, 80)}): trying again in ${Math.round(e.waitMs / 1000)} s, attempt ${e.attempt}`;
      return update(steps, e.id, (s) => ({...s, output: [...s.output, line].slice(-OUTPUT_TAIL)}));
    }
    case 'timer.deadline':
      return update(steps, e.id, (s) => ({
        ...s,
        timer: {seconds: s.timer?.seconds ?? 0, deadline: e.deadline, server: e.server},
      }));
    case 'proof.start':
      return update(steps, e.id, (s) => {
        // The segment before a proof has run to its end when the proof starts.
        const rows = setRows(s.actions, 'running', 'done');
        const k = rows.findIndex((r) => r.kind === 'proof' && r.status === 'pending');
        return {
          ...s,
          status: 'proving',
          actions: rows.map((r, i) => (i === k ? {...r, status: 'running'} : r)),
          proofs: [
            ...s.proofs,
            {what: e.what, command: e.command, state: 'running', ...(e.tunnel ? {tunnel: e.tunnel} : {})},
          ],
        };
      });
    case 'proof.progress':
      return update(steps, e.id, (s) => ({
        ...s,
        proofs: s.proofs.map((p, i) =>
          i === s.proofs.length - 1 && p.state === 'running' ? {...p, handshake: e.message} : p,
        ),
      }));
    case 'artifact':
      return update(steps, e.id, (s) => ({...s, artifacts: [...s.artifacts, {path: e.path, kind: e.kind}]}));
    case 'proof.ok':
    case 'proof.failed':
      return update(steps, e.id, (s) => {
        const ok = e.type === 'proof.ok';
        const k = s.actions.findIndex((r) => r.kind === 'proof' && r.status === 'running');
        return {
          ...s,
          status: ok ? 'applying' : s.status,
          actions: s.actions.map((r, i) => (i === k ? {...r, status: ok ? 'done' : 'failed'} : r)),
          proofs: s.proofs.map((p, i) =>
            i === s.proofs.length - 1
              ? e.type === 'proof.ok'
                ? {...p, state: 'ok', ms: e.ms}
                : {...p, state: 'failed', reason: e.reason}
              : p,
          ),
        };
      });
    case 'step.skipped':
      return planNext(
        update(steps, e.id, (s) => ({...s, status: 'skipped'})),
        e.id,
      );
    case 'step.compliant':
      return planNext(
        update(steps, e.id, (s) => ({...s, status: 'compliant', changed: 0})),
        e.id,
      );
    case 'step.done':
      return planNext(
        update(steps, e.id, (s) => ({
          ...s,
          status: 'done',
          changed: e.changed,
          ms: e.ms,
          timer: undefined,
          actions: s.actions.map((r) => ({...r, status: 'done'})),
        })),
        e.id,
      );
    case 'step.rolled-back':
      return update(steps, e.id, (s) => ({
        ...s,
        status: 'rolled-back',
        reason: e.reason,
        timer: undefined,
        actions: setRows(s.actions, 'running', 'failed'),
      }));
    case 'step.failed':
      return update(steps, e.id, (s) => ({
        ...s,
        status: 'failed',
        reason: e.reason,
        actions: setRows(s.actions, 'running', 'failed'),
      }));
    // Told elsewhere: the values by the frontend, the packages ahead as a note in the log.
    case 'values':
    case 'packages.ahead':
      return steps;
    default:
      return assertNever(e, 'event');
  }
}
