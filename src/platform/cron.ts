/**
 * Whether cron runs jobs on a box without systemd (where a cron entry is the only scheduler): one word,
 * `absent`, `stopped` or `running`; with `job`, `jobWord` when that file is not executable.
 */
export function cronStateQuery(job?: {path: string; word: string}): string {
  const jobCheck = job ? `elif [ ! -x ${job.path} ]; then echo ${job.word}; ` : '';
  return `if ! command -v cron >/dev/null 2>&1; then echo absent; elif ! pgrep -x cron >/dev/null 2>&1; then echo stopped; ${jobCheck}else echo running; fi`;
}

/** The warning for a cron that is not running (`stopped`) or not there (anything else); `why`: what needs it. */
export function cronMissing(state: string, why: string): string {
  if (state === 'stopped') return `cron is not running: ${why} (rc-update add cron default && rc-service cron start)`;
  return `cron is not installed: ${why} (apt-get install cron && rc-update add cron default && rc-service cron start)`;
}
