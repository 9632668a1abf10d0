/** Where portcullis keeps its state on the target: root-only, survives reboots. */
export const STATE_DIR = '/var/lib/portcullis';
export const JOURNAL = `${STATE_DIR}/journal.jsonl`;
export const LOCK = `${STATE_DIR}/lock`;

export function stepDir(runId: string, stepId: string): string {
  return `${STATE_DIR}/runs/${runId}/${stepId}`;
}

export function timerUnit(runId: string, stepId: string): string {
  return `portcullis-rollback-${runId}-${stepId}`;
}

/** The run's packages-ahead job: its script, log, pid and exit code (see ahead.ts). */
export function aheadDir(runId: string): string {
  return `${STATE_DIR}/runs/${runId}/ahead`;
}
