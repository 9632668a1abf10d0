import {stepDir, timerUnit} from '../core/paths.js';
import {quote} from '../util/shell.js';
import {bootHookLines} from './boot-path.js';

/**
 * The dead-man timer of one step, on the target. Three things can decide an armed step, and exactly one
 * does: whichever first takes the claim (`mkdir decided`, atomic) in the step's rollback script.
 *
 * - the deadline: an absolute UTC time fixed when the timer is armed (`deadline`, epoch seconds). On
 *   systemd an `OnCalendar=` timer at that UTC time (a wall-clock time: `daemon-reload` cannot re-base
 *   it, as it does `OnActiveSec=`), plus a backstop sleeper (a transient service on systemd, a detached
 *   `setsid` process elsewhere) that sleeps the window on the monotonic clock: a wall clock set back
 *   cannot delay the rollback, one set forward only brings it earlier;
 * - the boot path: a unit (systemd), a local.d script (OpenRC; a service of its own where OpenRC has no `local`
 *   service, as on Debian) or a launchd job (macOS) written before
 *   the change and removed once the step is decided: a reboot inside the window comes back rolled back;
 * - the commit: the wizard's disarm after the proof. It wins only before the deadline; one that reaches
 *   the server after it (a stalled connection, a slow reboot) rolls the step back itself.
 */

/** Exit code of a commit or segment that finds the step already decided against it (see scripts.ts). */
export const EXPIRED_EXIT = 4;

/**
 * The step's arm script (written beside its rollback script before the first change): fixes the deadline
 * (`$1` seconds from now, printed as epoch seconds UTC), writes the boot path, starts the timer and the
 * backstop. Exits non-zero if any of them could not be set up: the step must not go on then.
 */
export function armScript(runId: string, stepId: string): string {
  const d = stepDir(runId, stepId);
  const script = `${d}/rollback.sh`;
  const unit = timerUnit(runId, stepId);
  const sleeper = `sleep "$1"; exec /bin/sh ${script} timer`;
  return [
    '#!/bin/sh',
    `# portcullis: arms the dead-man timer of step ${stepId} of run ${runId}`,
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'set -e',
    '# stdout carries the deadline alone: everything else goes to stderr.',
    'exec 3>&1 1>&2',
    'case "$1" in ""|*[!0-9]*) echo "arm.sh: seconds expected" >&2; exit 2 ;; esac',
    'dl=$(( $(date +%s) + $1 ))',
    // A step retried in the same run (after its rollback) is armed anew: the last attempt's claim goes.
    `rm -rf ${quote(`${d}/decided`)}`,
    `echo "$dl" > ${quote(`${d}/deadline`)}`,
    ...bootHookLines(runId, stepId),
    'if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then',
    `  cal=$(date -u -d "@$dl" '+%Y-%m-%d %H:%M:%S' 2>/dev/null || true)`,
    '  if [ -n "$cal" ]; then on="--on-calendar=$cal UTC"; else on="--on-active=$1"; fi',
    `  systemd-run --quiet ${quote(`--unit=${unit}`)} "$on" --timer-property=AccuracySec=100ms /bin/sh ${quote(script)} timer`,
    `  systemd-run --quiet --collect ${quote(`--unit=${unit}-backstop`)} /bin/sh -c ${quote(sleeper)} sleeper "$1"`,
    'else',
    `  setsid sh -c ${quote(sleeper)} sleeper "$1" </dev/null >/dev/null 2>&1 3>&- &`,
    `  echo $! > ${quote(`${d}/timer.pid`)}`,
    'fi',
    'echo "$dl" >&3',
    '',
  ].join('\n');
}

/**
 * The arm action as it runs: the step's arm script (see armScript), leaving the deadline in `pcdl` for
 * the journal line that follows.
 */
export function armLines(runId: string, stepId: string, seconds: number): string[] {
  return [`pcdl=$(/bin/sh ${quote(`${stepDir(runId, stepId)}/arm.sh`)} ${seconds}) && [ -n "$pcdl" ]`];
}

/** The journal entry of the arming, with the deadline as the target fixed it. */
export function armedJournalLine(runId: string, stepId: string, seconds: number): string {
  const head = JSON.stringify({run: runId, kind: 'timer.armed', step: stepId, seconds}).slice(0, -1);
  return `pcj ${quote(`${head},"deadline":`)}"$pcdl"'}'`;
}

/**
 * Stops the timer, the backstop and the sleeper (not the boot path). The sleeper (a session leader: its
 * whole group, with its `sleep`) is killed only if its pid still runs our rollback (a pid file from before
 * a reboot may name another process by now).
 */
function stopTimerLines(runId: string, stepId: string): string[] {
  const unit = timerUnit(runId, stepId);
  const pid = quote(`${stepDir(runId, stepId)}/timer.pid`);
  return [
    `systemctl stop ${quote(`${unit}.timer`)} 2>/dev/null`,
    `systemctl stop ${quote(`${unit}-backstop.service`)} 2>/dev/null`,
    `if [ -f ${pid} ]; then p=$(cat ${pid}); if [ ! -d /proc ] || grep -q rollback.sh "/proc/$p/cmdline" 2>/dev/null; then kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null; fi; rm -f ${pid}; fi`,
  ];
}

/**
 * After a rollback by the timer or at boot: the other of timer and backstop is stopped without waiting
 * (it may be the unit running this very script), and nothing is killed (the sleeper may be this script).
 */
export function afterTimerLines(runId: string, stepId: string): string[] {
  const unit = timerUnit(runId, stepId);
  return [
    `systemctl stop --no-block ${quote(`${unit}.timer`)} ${quote(`${unit}-backstop.service`)} 2>/dev/null`,
    `rm -f ${quote(`${stepDir(runId, stepId)}/timer.pid`)}`,
  ];
}

/**
 * The commit of a proven step (the disarm): asks the step's rollback script to decide for the commit.
 * Exit 0: committed (timer, backstop and boot path gone). Exit EXPIRED_EXIT: the deadline had passed or
 * something else decided first; the step is rolled back.
 */
export function commitLine(runId: string, stepId: string): string {
  // Exit EXPIRED_EXIT leaves the segment at once (no action.failed: nothing failed, the step was decided).
  return `/bin/sh ${quote(`${stepDir(runId, stepId)}/rollback.sh`)} commit; pcrc=$?; [ $pcrc -eq ${EXPIRED_EXIT} ] && exit ${EXPIRED_EXIT}; [ $pcrc -eq 0 ]`;
}

/**
 * The decision part of a step's rollback script (`$D`, `$by`, `$state` set; `pcunhook` defined).
 * `timer`: only an armed, undecided step. `boot`: an armed or applying step (or one whose rollback the
 * reboot cut short); a decided one just loses its boot path. `commit`: before the deadline and undecided,
 * it takes the claim and disarms; otherwise rolls back (if nothing did yet) and exits EXPIRED_EXIT.
 * `failure` and `operator` take the claim when it is free and always go on.
 */
export function decisionLines(runId: string, stepId: string): string[] {
  const expired = (why: string) => `{ echo ${quote(why)} >&2; exit ${EXPIRED_EXIT}; }`;
  return [
    'case "$by" in',
    '  timer)',
    '    [ "$state" = armed ] || exit 0',
    '    mkdir "$D/decided" 2>/dev/null || exit 0 ;;',
    '  boot)',
    '    case "$state" in',
    '      armed|applying) mkdir "$D/decided" 2>/dev/null || { pcunhook; exit 0; } ;;',
    '      rolling-back) ;;',
    '      *) pcunhook; exit 0 ;;',
    '    esac ;;',
    '  commit)',
    `    [ "$state" = armed ] || ${expired('the dead-man timer ran out first and rolled this step back')}`,
    '    pcdl=$(cat "$D/deadline" 2>/dev/null)',
    '    if [ -n "$pcdl" ] && [ "$(date +%s)" -ge "$pcdl" ]; then',
    '      /bin/sh "$D/rollback.sh" timer',
    `      ${expired('the dead-man deadline passed before the commit reached the server: the step was rolled back')}`,
    '    fi',
    `    mkdir "$D/decided" 2>/dev/null || ${expired('the dead-man timer ran out first and rolled this step back')}`,
    ...stopTimerLines(runId, stepId).map((l) => `    ${l}`),
    '    pcunhook',
    '    exit 0 ;;',
    '  *)',
    '    [ "$state" = rolled-back ] && [ "$by" != failure ] && exit 0',
    '    mkdir "$D/decided" 2>/dev/null',
    ...stopTimerLines(runId, stepId).map((l) => `    ${l}`),
    '    ;;',
    'esac',
  ];
}
