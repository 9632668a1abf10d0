/** How one host's run ended. */
export type HostOutcome =
  /** Every step applied and proven, or already compliant, with at least one change. */
  | 'applied'
  /** Every step was already compliant: nothing changed. */
  | 'unchanged'
  /** A step failed its proof or a command, and what it changed was restored (by the run, else its timer). */
  | 'rolled-back'
  /** Refused or stopped before a change, or an error with nothing to roll back. */
  | 'failed'
  /** No way in answered: neither the inventory's nor the one the recipe leaves. */
  | 'unreachable'
  /** Its batch never started (the run stopped before it), or it was still queued when the operator stopped. */
  | 'not-started';

export interface HostStepResult {
  id: string;
  status: 'compliant' | 'applied' | 'rolled-back' | 'failed' | 'skipped';
  changed: number;
  ms: number;
}

/** One host's result: the only thing the fleet run keeps per host (no facts, no plans, no output). */
export interface HostResult {
  host: string;
  /** user@address:port the run used, when it got in. */
  target?: string;
  /** 1-based batch number. */
  batch: number;
  result: HostOutcome;
  changed: number;
  ms: number;
  steps: HostStepResult[];
  /** Ports reachable from anywhere, as `22/tcp`, before the run and after it (also after a rollback). */
  exposure?: {before: string[]; after?: string[]};
  /** Why it failed, was rolled back, is unreachable, or was not started. */
  reason?: string;
}

export const succeeded = (r: HostResult): boolean => r.result === 'applied' || r.result === 'unchanged';
/** Counted against --max-fail-percentage (unreachable hosts count, as in Ansible). */
export const failedHost = (r: HostResult): boolean =>
  r.result === 'failed' || r.result === 'rolled-back' || r.result === 'unreachable';
