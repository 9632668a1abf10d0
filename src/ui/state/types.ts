import type {Action, ArtifactKind, Finding, PlannedStep, Risk} from '../../core/types.js';
import type {ProofTunnel} from '../../engine/events.js';
import type {EditableValue} from '../model/editable.js';
import type {PreflightInfo} from '../model/preflight-info.js';
import type {Question} from '../model/questions.js';
import type {ValueRow} from '../model/values.js';

/** Where a step is, as the operator reads it. */
export type StepStatus =
  | 'pending'
  | 'planning'
  | 'waiting'
  | 'applying'
  | 'proving'
  | 'done'
  | 'compliant'
  | 'rolled-back'
  | 'failed'
  | 'declined'
  /** The operator went on without it: nothing of it changed (or it was rolled back first). */
  | 'skipped'
  /** The wizard left inside its confirmation window: the armed timer on the target rolls it back. */
  | 'left-to-timer'
  | 'not-run';

export type RowStatus = 'pending' | 'running' | 'done' | 'failed';

export interface ActionRow {
  kind: Action['kind'];
  summary: string;
  status: RowStatus;
}

export interface ProofView {
  what: string;
  /** What the operator can type from another terminal to take the same way in. */
  command: string;
  state: 'running' | 'ok' | 'failed';
  ms?: number;
  reason?: string;
  /** A proof through the tunnel: the client config that brings it up, and who brings it up. */
  tunnel?: ProofTunnel;
  /** Set once the tunnel's handshake came through: what the operator does next (the engine's words). */
  handshake?: string;
}

/** A file the step wrote on this machine. */
export interface ArtifactView {
  path: string;
  kind: ArtifactKind;
  /** The QR code of a client config, as half-block rows (dark modules drawn), for a phone to scan. */
  qr?: readonly string[];
}

export interface StepView {
  id: string;
  title: string;
  /** Known once planned; the recipe's step list gives it before that. */
  risk: Risk;
  status: StepStatus;
  planned?: PlannedStep;
  /** The step's parameters as the engine used them, defaults filled in. */
  values: ValueRow[];
  /** The recipe values the review lets the operator edit for this step, as the run has them now. */
  editable?: EditableValue[];
  findings: Finding[];
  actions: ActionRow[];
  /** Last lines of command output, bounded (OUTPUT_TAIL). */
  output: string[];
  /** The dead-man timer while it is armed: epoch ms when it rolls everything back. */
  /** `server`: the deadline the target fixed (epoch seconds UTC), once its arming line came back. */
  timer?: {seconds: number; deadline: number; server?: number};
  proofs: ProofView[];
  /** Files written on this machine after the step (client configs, evidence bundles); paths only. */
  artifacts: ArtifactView[];
  changed?: number;
  ms?: number;
  reason?: string;
  /** How many times the operator retried it after a rollback (each outcome is printed once). */
  attempt?: number;
}

export interface ExposureRow {
  key: string;
  process: string;
  before?: ExposureState;
  after?: ExposureState;
}

/** A socket's reach, in the words of render/exposure-table.ts: EXPOSED, open (meant public), blocked, local. */
export type ExposureState = 'exposed' | 'open' | 'blocked' | 'local';

/** What the finish screen says. */
export type Outcome =
  | {kind: 'applied'; changed: number}
  | {kind: 'failed'; message: string}
  | {kind: 'stopped'; message: string}
  | {kind: 'left-to-timer'; stepId: string; deadline: number};

export interface Finish {
  outcome: Outcome;
  exposures: ExposureRow[];
  /** False when the run ended before the target could be read again. */
  exposuresAfterKnown: boolean;
  journal?: string;
  /** Copy-paste commands: the way in now, how to undo. */
  wayIn?: string;
  rollback?: string;
  status?: string;
  /**
   * Left to an armed timer: until this time (epoch ms) the step is live and the commands above may not
   * get in (root login may be off); after it, the run is started again with `again` (its lock is stale).
   */
  waitUntil?: number;
  again?: string;
  /** Files written on this machine (client configs). */
  artifacts: string[];
}

/** What Ctrl-C does at this moment; see stop-plan.ts. */
export type StopPlan =
  | {kind: 'exit-now'; reason: string}
  | {kind: 'decline'}
  | {kind: 'finish-step'; stepId: string}
  | {kind: 'wait-segment'; stepId: string; deadline: number}
  | {kind: 'exit-timer'; stepId: string; deadline: number};

export type Ask =
  | {kind: 'consent'; stepId: string}
  | {kind: 'secret'; message: string}
  /** A value a step needs before it can plan (the admin's name on a root-only VPS). */
  | {kind: 'question'; stepId: string; question: Question};

export type StaticItem =
  | {key: string; kind: 'banner'; text: string}
  /** A line about the run as a whole (packages downloading ahead). */
  | {key: string; kind: 'note'; text: string}
  /** A command to copy, printed whole on one row (Line.nowrap), under what it is for. */
  | {key: string; kind: 'copy'; about: string; text: string}
  | {key: string; kind: 'preflight'; info: PreflightInfo; findings: Finding[]}
  /** `quiet`: its findings were already on the preflight screen. */
  | {key: string; kind: 'step'; step: StepView; quiet?: boolean}
  /** Files a step wrote after it was printed (a step's files come after it is done). */
  | {key: string; kind: 'artifacts'; step: StepView; artifacts: ArtifactView[]}
  | {key: string; kind: 'finish'; finish: Finish; target: string; steps: StepView[]};

export type Phase = 'connecting' | 'preflight' | 'run' | 'finished';

export interface WizardState {
  phase: Phase;
  target: {label: string; host: string};
  recipe: string;
  /** What the connecting screen says is happening, and since when (epoch ms). */
  connectNote: string;
  startedAt: number;
  factsSummary?: string;
  preflight?: PreflightInfo;
  steps: StepView[];
  ask?: Ask;
  /** Set once the operator asked to stop: what is being waited for. */
  stopping?: StopPlan;
  finish?: Finish;
  /** Printed once above the live region (Ink <Static>); append-only. */
  log: StaticItem[];
  /** Steps that finished while the preflight screen was up; printed once the operator moves on. */
  held: string[];
  /**
   * QR codes of client configs by path, drawn on this machine for the screen only (never logged): rows,
   * or null when the file could not be read. Absent: not drawn (yet).
   */
  qr: Record<string, readonly string[] | null>;
  /** Whether the QR view of a client config is open (by path); absent: open when its wait starts. */
  qrOpen: Record<string, boolean>;
  /** PNGs of QR codes written on this machine at the operator's request (by config path), or why not. */
  png: Record<string, {path: string} | {error: string}>;
}

/** Everything the live region can be told besides engine events. */
export type UiAction =
  | {type: 'ui.connecting'; note: string; label?: string; host?: string}
  | {type: 'ui.connected'; preflight: PreflightInfo}
  | {type: 'ui.continue'}
  | {type: 'ui.values'; id: string; values: ValueRow[]; editable?: EditableValue[]}
  /** The operator edited the asked step's values: it is planned again before it is asked again. */
  | {type: 'ui.edited'}
  | {type: 'ui.ask'; ask: Ask}
  | {type: 'ui.answered'; ok: boolean}
  | {type: 'ui.stop'; plan: StopPlan}
  | {type: 'ui.qr'; path: string; rows: readonly string[] | null}
  | {type: 'ui.qr-view'; path: string; open: boolean}
  | {type: 'ui.png'; path: string; png: {path: string} | {error: string}}
  | {type: 'ui.finish'; finish: Finish};
