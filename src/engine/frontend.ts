import type {Facts} from '../core/facts.js';
import type {PlannedStep} from '../core/types.js';
import type {Exposure} from '../platform/exposure.js';
import type {SudoAsker, Target} from '../target/types.js';
import type {ApplyResult, ConfirmAnswer} from './apply-options.js';
import type {EventSink} from './events.js';

/**
 * Who shows a run and asks the questions: the Ink wizard, listr2 for headless runs, or plain lines.
 * Exactly one owns the terminal for the whole run.
 */
export interface Frontend {
  /** How a sudo password is asked for; undefined: the default (environment, then a hidden prompt). */
  sudoPassword?: SudoAsker;
  /** The target is resolved (label as ssh will use it, host to type for consent); reading its platform starts. */
  connecting(label: string, host: string): void;
  /** Facts are read (and what is exposed); resolves false when the operator quits before anything changes. */
  ready(target: Target, facts: Facts, exposed: Exposure[]): Promise<boolean>;
  events: EventSink;
  /** Values a step needs before it can plan, asked of the operator (see ApplyOptions.provide); unset: never asked. */
  provide?(p: PlannedStep, needs: readonly string[]): Promise<Record<string, unknown> | undefined>;
  /** After a step was rolled back (restored): retry, other values, skip, or stop (ApplyOptions.recover). */
  recover?(p: PlannedStep, reason: string): Promise<ConfirmAnswer>;
  /** True to apply, false to stop, or edited recipe values to plan the step again with. */
  confirm(p: PlannedStep): Promise<ConfirmAnswer>;
  /** Aborted when the operator asks to stop: the engine stops before the next step. */
  signal?: AbortSignal;
  /** The run is over; resolves once the frontend has let go of the terminal. */
  finish(end: RunEnd): Promise<void>;
  /** True when finish() already told the operator the outcome, journal and next commands. */
  readonly showsSummary: boolean;
}

export interface RunEnd {
  result?: ApplyResult;
  error?: unknown;
  before?: Exposure[];
  after?: Exposure[];
  journal?: string;
}
