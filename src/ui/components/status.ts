import type {Risk} from '../../core/types.js';
import type {Tone} from '../model/lines.js';
import type {RowStatus, StepStatus} from '../state/types.js';

export const STEP_STATUS: Record<StepStatus, {glyph: string; word: string; tone: Tone}> = {
  pending: {glyph: '○', word: 'pending', tone: 'dim'},
  planning: {glyph: '◌', word: 'planning', tone: 'dim'},
  waiting: {glyph: '●', word: 'waiting for you', tone: 'accent'},
  applying: {glyph: '▶', word: 'applying', tone: 'accent'},
  proving: {glyph: '▶', word: 'proving', tone: 'accent'},
  done: {glyph: '✔', word: 'done', tone: 'ok'},
  compliant: {glyph: '✔', word: 'already compliant', tone: 'ok'},
  'rolled-back': {glyph: '↺', word: 'rolled back', tone: 'error'},
  failed: {glyph: '✘', word: 'failed', tone: 'error'},
  declined: {glyph: '■', word: 'stopped before it', tone: 'warn'},
  skipped: {glyph: '·', word: 'skipped', tone: 'warn'},
  'left-to-timer': {glyph: '⏱', word: 'left to its dead-man timer', tone: 'warn'},
  'not-run': {glyph: '·', word: 'not run', tone: 'dim'},
};

/** The status a read-only step shows when its proof failed (instead of 'rolled back': nothing changed). */
export const NOT_PROVEN = {glyph: '✘', word: 'not proven (it changes nothing)', tone: 'error' as Tone};

/** How a step's status is shown: a read-only step whose proof failed was not proven, not rolled back. */
export function stepStatus(s: {status: StepStatus; risk: Risk}): {glyph: string; word: string; tone: Tone} {
  return s.status === 'rolled-back' && s.risk === 'safe' ? NOT_PROVEN : STEP_STATUS[s.status];
}

export const ROW_GLYPH: Record<RowStatus, {glyph: string; tone: Tone}> = {
  pending: {glyph: '·', tone: 'dim'},
  running: {glyph: '▸', tone: 'accent'},
  done: {glyph: '✔', tone: 'ok'},
  failed: {glyph: '✘', tone: 'error'},
};

export const RISK_WORD: Record<Risk, {word: string; tone: Tone}> = {
  safe: {word: 'read-only', tone: 'dim'},
  reversible: {word: 'reversible', tone: 'plain'},
  lockout: {word: 'can cut access', tone: 'warn'},
};
