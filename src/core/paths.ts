import {homedir} from 'node:os';
import {join} from 'node:path';

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

/**
 * The boot path of a step's dead-man timer, per init system (dead-man.ts): present only while the step
 * is armed and undecided.
 */
export function bootHook(runId: string, stepId: string) {
  const unit = `portcullis-boot-rollback-${runId}-${stepId}.service`;
  const launchdLabel = `org.portcullis.boot-rollback.${runId}.${stepId}`;
  return {
    systemdUnit: `/etc/systemd/system/${unit}`,
    systemdWants: `/etc/systemd/system/multi-user.target.wants/${unit}`,
    openrcScript: `/etc/local.d/portcullis-rollback-${runId}-${stepId}.start`,
    /** OpenRC without a `local` service (Debian's OpenRC): a service of its own, in the default runlevel. */
    openrcService: `portcullis-rollback-${runId}-${stepId}`,
    launchdLabel,
    launchdPlist: `/Library/LaunchDaemons/${launchdLabel}.plist`,
  };
}

/** Where portcullis keeps its state on the operator's machine: $XDG_STATE_HOME, else ~/.local/state. */
export function stateHome(): string {
  return process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
}
