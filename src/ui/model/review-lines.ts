import type {Action, Finding, PlannedStep, Risk} from '../../core/types.js';
import {actionTexts} from '../../present/action-text.js';
import {assertNever} from '../../util/errors.js';
import type {StepView} from '../state/types.js';
import {block, codeBlock, type Line, type Tone} from './lines.js';
import {compactValues} from './values.js';

/** Width of the label column (Why, Risk, Undo, ...). */
export const LABEL = 9;

export function timerSeconds(p: PlannedStep | undefined): number | undefined {
  const arm = p?.plan.actions.find((a): a is Extract<Action, {kind: 'timer.arm'}> => a.kind === 'timer.arm');
  return arm?.seconds;
}

export function riskText(risk: Risk, seconds?: number): string {
  switch (risk) {
    case 'safe':
      return 'read-only: changes nothing';
    case 'reversible':
      return 'reversible: every file is restored byte for byte by `portcullis rollback`';
    case 'lockout':
      return `can cut your access: runs under a ${seconds ?? 120} s dead-man timer and is kept only once a fresh login proves the new way in`;
    default:
      return assertNever(risk, 'risk');
  }
}

export function findingLines(fs: readonly Finding[], width: number, indent: number): Line[] {
  return fs.flatMap((f) => {
    const tone: Tone = f.level === 'error' ? 'error' : f.level === 'warn' ? 'warn' : 'dim';
    const mark = f.level === 'error' ? '✘ refused:' : f.level === 'warn' ? '!' : '·';
    return block(`${mark} ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`, tone, width, indent);
  });
}

function actionLines(p: PlannedStep, width: number): Line[] {
  const out: Line[] = [];
  for (const [i, a] of actionTexts(p).entries()) {
    const n = `${i + 1}. `;
    out.push(...block(`${n}${a.summary}`, 'bold', width, 2, undefined, n.length));
    if (a.diff) for (const l of a.diff.trimEnd().split('\n')) out.push(...codeBlock(l, diffTone(l), width, 5));
    if (a.kind !== 'file.write') for (const c of a.commands) out.push(...codeBlock(`$ ${c}`, 'cmd', width, 5));
  }
  return out;
}

export function diffTone(l: string): Tone {
  if (l.startsWith('+++') || l.startsWith('---')) return 'dim';
  if (l.startsWith('+')) return 'add';
  if (l.startsWith('-')) return 'del';
  if (l.startsWith('@@')) return 'hunk';
  return 'plain';
}

/**
 * The review of one planned step, as rows of the given width: why it matters, the risk, how it is
 * undone, the values it uses (defaults included), findings, then every action with its unified diff or
 * its exact commands. The same PlannedStep is what the engine applies.
 */
export function reviewLines(s: StepView, width: number): Line[] {
  const p = s.planned;
  const body = width - LABEL;
  const out: Line[] = [];
  const labelled = (label: string, text: string, tone: Tone = 'plain') =>
    out.push(...block(text, tone, body, 0, label));
  labelled('Why', p?.why ?? '');
  labelled('Risk', riskText(s.risk, timerSeconds(p)), s.risk === 'lockout' ? 'warn' : 'plain');
  if (p?.plan.actions.length) labelled('Undo', p.undo);
  if (s.values.length) labelled('Values', compactValues(s.values));
  if (s.findings.length) {
    const lines = findingLines(s.findings, body, 0);
    out.push(...lines.map((l, i) => ({...l, label: i === 0 ? 'Findings' : ''})));
  }
  if (p) {
    const n = p.plan.actions.length;
    labelled('Plan', n ? `${n} action(s), in this order:` : 'nothing to change', 'bold');
    out.push(...actionLines(p, width));
  }
  return out;
}
