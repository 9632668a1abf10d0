import type {Finding, PlannedStep} from './types.js';

/** Everything the engine tells a UI. The engine never imports a UI; UIs subscribe to these. */
export type EngineEvent =
  | {type: 'facts'; summary: string}
  | {type: 'step.planned'; step: PlannedStep}
  | {type: 'step.start'; id: string}
  | {type: 'action.start'; id: string; index: number; summary: string}
  | {type: 'output'; id: string; line: string}
  | {type: 'timer.armed'; id: string; seconds: number; deadline: number}
  | {type: 'proof.start'; id: string; what: string; command: string; deadline?: number}
  | {type: 'proof.ok'; id: string; what: string; ms: number}
  | {type: 'proof.failed'; id: string; what: string; reason: string}
  | {type: 'step.compliant'; id: string}
  | {type: 'step.done'; id: string; changed: number; ms: number}
  | {type: 'step.rolled-back'; id: string; reason: string}
  | {type: 'step.failed'; id: string; reason: string}
  | {type: 'finding'; id: string; finding: Finding};

export type EventSink = (e: EngineEvent) => void;
