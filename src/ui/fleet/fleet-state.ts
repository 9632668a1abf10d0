import type {HostResult} from '../../fleet/result.js';
import {assertNever} from '../../util/errors.js';

/** One plan shared by every host named: the review shows it once. */
export interface PlanGroup {
  hosts: string[];
  text: string;
}

/** What the fleet wizard shows, and where it is. Pure data: fleet-reducer moves it. */
export interface FleetUiState {
  phase: 'planning' | 'review' | 'running' | 'ask-rollout' | 'finished';
  recipe: string;
  inventory: string;
  /** Host names per batch; the first batch is the canary. */
  batches: string[][];
  forks: number;
  maxFailPercent?: number;
  planned: number;
  groups: PlanGroup[];
  /** Hosts the dry run could not plan (unreachable, or refused before a plan). */
  notPlanned: {host: string; status: string; reason: string}[];
  /** 1-based batch in flight, or the last one that ran. */
  batch: number;
  /** Finished output lines (one per host per step), printed once above the live region. */
  lines: {key: number; text: string}[];
  /** Hosts that have ended, in the order they ended. */
  results: HostResult[];
  /** 0: running; 1: no further batch starts; 2: hosts in flight stop after their step in flight. */
  stopping: 0 | 1 | 2;
}

export type FleetUiAction =
  | {type: 'planned'}
  | {type: 'review'; groups: PlanGroup[]; notPlanned: FleetUiState['notPlanned']}
  | {type: 'batch'; n: number}
  | {type: 'line'; text: string}
  | {type: 'host'; result: HostResult}
  | {type: 'ask-rollout'}
  | {type: 'rollout'}
  | {type: 'stop'}
  | {type: 'finished'};

export function initialFleetState(o: {
  recipe: string;
  inventory: string;
  batches: string[][];
  forks: number;
  maxFailPercent?: number;
}): FleetUiState {
  return {
    ...o,
    phase: 'planning',
    planned: 0,
    groups: [],
    notPlanned: [],
    batch: 0,
    lines: [],
    results: [],
    stopping: 0,
  };
}

export function fleetReducer(s: FleetUiState, a: FleetUiAction): FleetUiState {
  switch (a.type) {
    case 'planned':
      return {...s, planned: s.planned + 1};
    case 'review':
      return {...s, phase: 'review', groups: a.groups, notPlanned: a.notPlanned};
    case 'batch':
      return {...s, phase: 'running', batch: a.n};
    case 'line':
      return {...s, lines: [...s.lines, {key: s.lines.length, text: a.text}]};
    case 'host':
      return {...s, results: [...s.results, a.result]};
    case 'ask-rollout':
      return {...s, phase: 'ask-rollout'};
    case 'rollout':
      return {...s, phase: 'running'};
    case 'stop':
      return s.stopping === 2 ? s : {...s, stopping: s.stopping === 0 ? 1 : 2};
    case 'finished':
      return {...s, phase: 'finished'};
    default:
      return assertNever(a, 'fleet action');
  }
}

/** Hosts after the canary, and the sizes of their batches. */
export function rolloutOf(s: FleetUiState): {hosts: number; sizes: number[]} {
  const rest = s.batches.slice(1);
  return {hosts: rest.reduce((n, b) => n + b.length, 0), sizes: rest.map((b) => b.length)};
}
