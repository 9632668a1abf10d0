import type {Facts} from '../core/facts.js';
import type {PlannedStep, Step} from '../core/types.js';
import type {RunSettings, RunValues} from '../core/values.js';
import type {Target} from '../target/types.js';
import type {AheadMode} from './ahead.js';
import type {EventSink} from './events.js';
import type {JournalEntry, LocalJournal} from './journal.js';

/**
 * The operator's answer to a planned step: go, stop, skip it (nothing of it changes, the run goes on;
 * a later step that needs it refuses by itself), or plan it again with these recipe values.
 */
export type ConfirmAnswer = boolean | 'skip' | {values: Record<string, unknown>};

/** Appends to the run's local journal copy; `has`: whether this run already wrote that very entry. */
export interface Recorder {
  (entries: JournalEntry[]): void;
  has(e: JournalEntry): boolean;
}

/**
 * The recorder of a run's local journal copy. Entries read back from the target after a lost connection
 * are added only when the copy does not hold them yet (the same entry is the same JSON line on both sides).
 */
export function recorderFor(journal: LocalJournal): Recorder {
  const recorded = new Set<string>();
  return Object.assign(
    (entries: JournalEntry[]) => {
      for (const e of entries) recorded.add(JSON.stringify(e));
      journal.append(entries);
    },
    {has: (e: JournalEntry) => recorded.has(JSON.stringify(e))},
  );
}

export interface ApplyOptions {
  target: Target;
  facts: Facts;
  steps: readonly Step<unknown>[];
  /** The run's values, resolved before connecting (core/values.ts); the target-derived ones are added here. */
  values: RunValues;
  /** How the run works (interactive, --connect-tunnel, the operator's own peer); the host is the target's. */
  settings?: Partial<Omit<RunSettings, 'targetHost'>>;
  runId: string;
  journal: LocalJournal;
  events: EventSink;
  /**
   * Asked before a step with changes runs; false stops the run before the step. `{values}` are edited
   * recipe values (already validated): they are merged into the run's values (later steps see them too)
   * and the same step is planned again and asked about again.
   */
  confirm: (p: PlannedStep) => Promise<ConfirmAnswer>;
  /**
   * Asked when a step cannot plan for want of values its findings name (`needs`): resolves with them
   * (already validated; merged into the run's values like edited ones, never journaled), or undefined to
   * refuse the step as without it. Unset (headless): the step is refused with its findings.
   */
  provide?: (p: PlannedStep, needs: readonly string[]) => Promise<Record<string, unknown> | undefined>;
  /**
   * Asked when a step was rolled back and everything it changed is restored: true to plan it again and
   * ask again, `{values}` to do so with these values (another port), 'skip' to go on without it, false to
   * stop (the default without it).
   */
  recover?: (p: PlannedStep, reason: string) => Promise<ConfirmAnswer>;
  until?: string;
  /**
   * Checked between steps only (before a step is probed, and again before it is confirmed): once aborted,
   * the run stops there. A step in flight is never cut short: it finishes or rolls back first.
   */
  signal?: AbortSignal;
  /** Take the per-server lock (default true); break a stale one left by a killed run. */
  lock?: boolean;
  breakLock?: boolean;
  /**
   * Start the run's package installs at once in the background on the target (ahead.ts): `install` when
   * the whole run is consented up front (--yes), `download` when each step is still to be consented.
   */
  ahead?: AheadMode;
  /** Operator-side effects the engine may need (bringing a tunnel up for a proof). */
  operator?: {connectTunnel(confPath: string, iface: string): Promise<void>};
}

export interface ApplyResult {
  changed: number;
  /** Files written on the operator's machine (client configs). Never key material itself. */
  artifacts: string[];
  steps: {
    id: string;
    status: 'compliant' | 'applied' | 'rolled-back' | 'failed' | 'skipped';
    ms: number;
    changed: number;
  }[];
  facts: Facts;
}
