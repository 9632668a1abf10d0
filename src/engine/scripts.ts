import {JOURNAL_VERSION} from '../core/journal-entry.js';
import {aheadDir, JOURNAL, LOCK, STATE_DIR, stepDir} from '../core/paths.js';
import type {RollbackAction} from '../core/types.js';
import {quote} from '../util/shell.js';
import {AS_USER_FN, restoreAsUserLine, snapshotAsUserLine, type Touched} from './as-user.js';
import {unhookFunction} from './boot-path.js';
import {compileRollback} from './compile-rollback.js';
import {afterTimerLines, decisionLines, EXPIRED_EXIT} from './dead-man.js';
import type {JournalEntry} from './journal.js';
import {JOURNAL_MARK} from './protocol.js';

/**
 * Exit code of a segment that finds its step no longer armed: the dead-man timer ran out (the connection
 * stalled past the window) and rolled the step back, so nothing of the step may go on.
 */
export {EXPIRED_EXIT};

/**
 * Shell prelude of every apply segment: pcj appends a journal entry on the target and echoes it for the
 * local copy. SIGPIPE is ignored: a segment that reached the target runs to its end even if the wizard
 * dies meanwhile (its output then goes nowhere), so the target's journal never stops half-way through a
 * commit (timer stopped, step.done never written).
 */
export const SEGMENT_PRELUDE = [
  "trap '' PIPE",
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH',
  `mkdir -p ${STATE_DIR} && chmod 700 ${STATE_DIR}`,
  `pcj() { e=$(printf '{"at":"%s","v":${JOURNAL_VERSION},%s' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "\${1#?}"); printf '%s\\n' "$e" >> ${JOURNAL}; printf '${JOURNAL_MARK}%s\\n' "$e"; }`,
  AS_USER_FN,
].join('\n');

export function journalLine(e: JournalEntry): string {
  return `pcj ${quote(JSON.stringify(e))}`;
}

/**
 * Copies every path a step may touch into the step's directory (cp -p: bytes, mode, owner), or notes its
 * absence. A path in a user's directory is read as that user (as-user.ts), never followed by root.
 */
export function snapshotLines(runId: string, stepId: string, paths: readonly (Touched | string)[]): string[] {
  const d = stepDir(runId, stepId);
  const lines = [`mkdir -p ${quote(`${d}/before`)}`, `chmod 700 ${quote(`${STATE_DIR}/runs`)} 2>/dev/null`];
  touched(paths).forEach((t, i) => {
    const dest = `${d}/before/${i}`;
    if (t.as) lines.push(snapshotAsUserLine({...t, as: t.as}, dest));
    else lines.push(`if [ -e ${quote(t.path)} ]; then cp -p ${quote(t.path)} ${quote(dest)} || exit 3; fi`);
  });
  return lines;
}

const touched = (paths: readonly (Touched | string)[]): Touched[] =>
  paths.map((p) => (typeof p === 'string' ? {path: p} : p));

/**
 * First line of every segment of an armed step after the one that armed it: the step must still be armed.
 * A segment that arrives after the window ran out (the connection stalled) changes nothing.
 */
export function stillArmedLine(runId: string, stepId: string): string {
  const state = quote(`${stepDir(runId, stepId)}/state`);
  return `[ "$(cat ${state} 2>/dev/null)" = armed ] || { echo 'the dead-man timer ran out before this step was confirmed and rolled it back' >&2; exit ${EXPIRED_EXIT}; }`;
}

/**
 * The self-contained rollback for one step, run by the dead-man timer or its backstop (`timer`), at boot
 * (`boot`), after a failed proof (`failure`) or by `portcullis rollback` (`operator`); `commit` is the
 * proven step's disarm (see dead-man.ts for who decides when). Restores every touched path byte for byte,
 * then runs the step's rollback actions, compiled here. Idempotent: once rolled back the timer and the operator do nothing; the
 * timer and the boot path do nothing once the step is committed (or its commit has claimed the step).
 * After a failure it always restores (again): a segment that overlapped the timer's rollback may have
 * changed files after it.
 */
export function rollbackScript(
  runId: string,
  stepId: string,
  paths: readonly (Touched | string)[],
  onRollback: readonly RollbackAction[],
): string {
  const d = stepDir(runId, stepId);
  const all = touched(paths).map((t, i) => ({...t, src: `${d}/before/${i}`}));
  // Users' paths first, while the accounts they belong to still exist (the account files come back after).
  const restore = [
    ...all.flatMap((t) => (t.as ? [restoreAsUserLine({...t, as: t.as}, t.src)] : [])),
    ...all.flatMap((t) =>
      t.as
        ? []
        : [
            `if [ -e ${quote(t.src)} ]; then cp -p ${quote(t.src)} ${quote(`${t.path}.pc-restore`)} && mv -f ${quote(`${t.path}.pc-restore`)} ${quote(t.path)}; else rm -f ${quote(t.path)}; fi`,
          ],
    ),
  ];
  return [
    '#!/bin/sh',
    `# portcullis: rollback of step ${stepId} of run ${runId}`,
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    AS_USER_FN,
    `D=${quote(d)}`,
    'by=${1:-operator}',
    'state=$(cat "$D/state" 2>/dev/null)',
    unhookFunction(runId, stepId),
    ...decisionLines(runId, stepId),
    'echo rolling-back > "$D/state"',
    ...restore,
    ...compileRollback(onRollback).map((l) => `{ ${l}; } >>"$D/rollback.log" 2>&1`),
    'echo rolled-back > "$D/state"',
    rolledBackEntry(runId, stepId, '"$by"'),
    'pcunhook',
    'case "$by" in timer|boot)',
    `  rm -f ${LOCK}`,
    ...afterTimerLines(runId, stepId).map((l) => `  ${l}`),
    'esac',
    'exit 0',
    '',
  ].join('\n');
}

/** Appends `step.rolled-back` to the target's journal; `by` is a shell word (a quoted literal or "$by"). */
export function rolledBackEntry(runId: string, stepId: string, by: string): string {
  return `printf '{"at":"%s","v":${JOURNAL_VERSION},"run":"%s","kind":"step.rolled-back","step":"%s","by":"%s"}\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" ${quote(runId)} ${quote(stepId)} ${by} >> ${JOURNAL}`;
}

/**
 * First line of a step's apt install when it runs (and of the facts read before the step is planned):
 * waits while this run's packages-ahead job has not finished the step's packages (it holds dpkg's
 * lock meanwhile). Returns at once when there is no job, and always succeeds: what follows decides.
 */
export function aheadWaitLine(runId: string, stepId: string): string {
  const d = aheadDir(runId);
  const rc = quote(`${d}/${stepId}.rc`);
  const all = quote(`${d}/rc`);
  const pid = quote(`${d}/pid`);
  return `if [ -f ${pid} ]; then n=0; while [ ! -f ${rc} ] && [ ! -f ${all} ] && [ $n -lt 3000 ] && kill -0 "$(cat ${pid})" 2>/dev/null; do sleep 0.1; n=$((n+1)); done; fi; true`;
}
