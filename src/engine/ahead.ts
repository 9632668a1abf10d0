import {JOURNAL_VERSION} from '../core/journal-entry.js';
import {aheadDir, JOURNAL, STATE_DIR} from '../core/paths.js';
import type {PlannedStep} from '../core/types.js';
import {quote} from '../util/shell.js';
import {aptInstall} from './compile.js';

/**
 * Packages ahead: the package installs of every step of a run start at once, in the background on the
 * target, while the first steps make and prove their changes. Package installs are the long pole of a
 * run (downloads, dpkg) and they never cut access; the steps that need the packages wait for them.
 *
 * - `install` (the run was consented as a whole, `--yes`): the packages are installed. Only when apt
 *   says the install adds packages and changes none that is installed (no upgrade, no removal): an
 *   install ahead can never touch what an earlier step is changing under its dead-man timer. Their
 *   configuration still waits for their step (and its review, proof and rollback).
 * - `download` (the interactive wizard, where each step is consented in turn): only downloaded into
 *   apt's cache. Nothing on the server changes before the operator says yes to the step.
 *
 * apt only (Debian, Ubuntu): other package managers install in their step as before.
 */
export type AheadMode = 'install' | 'download';

/** One step's share of the run's packages: the ones it installs that no earlier step installs. */
export interface AheadGroup {
  step: string;
  packages: string[];
}

/** apt packages the planned steps install, by step in plan order, each package once (first step wins). */
export function aheadGroups(planned: readonly PlannedStep[]): AheadGroup[] {
  const seen = new Set<string>();
  const out: AheadGroup[] = [];
  for (const p of planned) {
    const packages: string[] = [];
    for (const a of p.plan.actions)
      if (a.kind === 'package.install' && a.manager === 'apt')
        for (const name of a.packages)
          if (!seen.has(name)) {
            seen.add(name);
            packages.push(name);
          }
    if (packages.length) out.push({step: p.id, packages});
  }
  return out;
}

/**
 * The detached job (its own session, so it outlives the SSH session and the wizard) and the lines that
 * start it. Step by step, in the run's order, so the first step's packages are ready first and the next
 * step's install while the current one runs: `<step>.rc` says how each ended (0: done), `rc` the whole.
 * It journals its start and end on the target.
 */
export function aheadStartScript(runId: string, groups: readonly AheadGroup[], mode: AheadMode): string {
  const d = aheadDir(runId);
  const packages = groups.flatMap((g) => g.packages);
  const mark = `mark() { echo "$2" > "$d/$1.new" && mv -f "$d/$1.new" "$d/$1"; }`;
  const finish = `finish() { printf '{"at":"%s","v":${JOURNAL_VERSION},"run":"%s","kind":"packages.ahead.done","code":%s}\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" ${quote(runId)} "$1" >> ${JOURNAL}; mark rc "$1"; exit 0; }`;
  const all = packages.map(quote).join(' ');
  const sim = `apt-get -s -q -o Debug::NoLocking=true install ${all} >"$d/sim" 2>&1`;
  const job: string[] = [
    // Stale or empty package lists (a fresh VPS) are updated once, up front, only when needed.
    `${sim} || { apt-get update -q -o DPkg::Lock::Timeout=300 && ${sim}; } || { echo 'apt cannot resolve the packages: left to the steps'; finish 100; }`,
  ];
  if (mode === 'install')
    // Simulated first: anything but new packages (an upgrade, a removal) leaves every install to its step.
    job.push(
      `if grep -qE '^(Remv |Inst [^ ]+ \\[)' "$d/sim"; then echo 'an installed package would change: left to the steps'; finish 101; fi`,
    );
  job.push('all=0');
  for (const g of groups) {
    const names = g.packages.map(quote).join(' ');
    const install = aptInstall(names, mode === 'download' ? '--download-only' : '');
    job.push(
      // A run that failed or was stopped leaves the packages of the steps it never reached alone.
      `[ -f "$d/stop" ] && { echo 'the run stopped: the packages of the steps after it are left alone'; finish 102; }`,
      `${install}; r=$?; mark ${quote(`${g.step}.rc`)} $r; [ $r = 0 ] || all=$r`,
    );
  }
  job.push('finish "$all"');
  const body = [
    '#!/bin/sh',
    `# portcullis: packages of run ${runId}, ${mode === 'install' ? 'installed' : 'downloaded'} ahead of their steps`,
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'export LC_ALL=C DEBIAN_FRONTEND=noninteractive',
    `d=${quote(d)}`,
    mark,
    finish,
    ...job,
    '',
  ].join('\n');
  const started = JSON.stringify({v: JOURNAL_VERSION, run: runId, kind: 'packages.ahead', mode, packages});
  return [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH',
    `d=${quote(d)}`,
    // Once per run, and only where a detached session can be made.
    '[ -e "$d" ] && exit 0',
    'command -v setsid >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 || exit 0',
    `mkdir -p ${STATE_DIR} && chmod 700 ${STATE_DIR} && mkdir -p "$d" || exit 1`,
    `printf '%s' ${quote(body)} > "$d/job.sh"`,
    `printf '{"at":"%s",%s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" ${quote(started.slice(1))} >> ${JOURNAL}`,
    'setsid /bin/sh "$d/job.sh" </dev/null >"$d/log" 2>&1 &',
    'echo $! > "$d/pid"',
    'echo started',
  ].join('\n');
}

/** Tells the run's job to install nothing more after the package it is on (the run ended early). */
export function aheadStopScript(runId: string): string {
  const d = quote(aheadDir(runId));
  return `[ -d ${d} ] && : > ${d}/stop; true`;
}
