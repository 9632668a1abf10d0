import type {EngineEvent} from '../engine/events.js';
import {cleanLine} from '../present/clean-line.js';
import {assertNever} from '../util/errors.js';
import {proofWithCommand} from '../util/proof-words.js';
import {wgQuickUp} from '../wg/wg-quick.js';

/**
 * What one engine event does to its step's task line in a headless run. A note is added to the task's
 * title, also once the task has settled: a step's files are written after it is done.
 */
export type TaskUpdate =
  | {kind: 'output'; text: string}
  | {kind: 'ok'; title: string}
  | {kind: 'fail'; message: string}
  | {kind: 'note'; text: string};

/** How a file written on this machine is named in headless output: its path, never its content. */
export function artifactLine(e: Extract<EngineEvent, {type: 'artifact'}>): string {
  return e.kind === 'client-config'
    ? `client config saved on this machine: ${e.path} (0600, holds the peer's private key)`
    : `saved on this machine: ${e.path}`;
}

/** Who brings the tunnel up for a tunnel proof, and with which file (never its content). */
export function tunnelLine(t: NonNullable<Extract<EngineEvent, {type: 'proof.start'}>['tunnel']>): string {
  return t.connect
    ? `bringing the tunnel up here with wg-quick, from ${t.confPath}`
    : `bring the tunnel up from your device with ${t.confPath}: ${wgQuickUp(t.confPath, t.localIface)}`;
}

/**
 * Engine events as task updates, for the step titled `title`. The wording is the line reporter's, so
 * logs read the same whichever renderer drew them ("proving ...", "rolled back: ...").
 */
export function taskUpdates(e: EngineEvent, title: string): TaskUpdate[] {
  switch (e.type) {
    case 'facts':
    case 'packages.ahead':
    case 'values':
      return [];
    case 'step.planned': {
      const n = e.step.plan.actions.length;
      return n ? [{kind: 'output', text: `${n} action(s) planned (${e.step.risk})`}] : [];
    }
    case 'finding':
      return e.finding.level === 'info'
        ? []
        : [{kind: 'output', text: `${e.finding.level === 'error' ? '✘' : '!'} ${e.finding.message}`}];
    case 'step.start':
      return [{kind: 'output', text: 'applying'}];
    case 'action.start':
      return [{kind: 'output', text: `· ${e.summary}`}];
    case 'output':
      return [{kind: 'output', text: `  ${cleanLine(e.line).slice(0, 200)}`}];
    case 'timer.armed':
      return [
        {
          kind: 'output',
          text: `⏱ dead-man timer armed: everything in this step rolls back in ${e.seconds} s unless the new way in is proven`,
        },
      ];
    case 'reconnecting':
      return [{kind: 'output', text: reconnectLine(e)}];
    case 'timer.deadline':
      return [{kind: 'output', text: `⏱ ${deadlineLine(e.server)}`}];
    case 'proof.start':
      return [
        {kind: 'output', text: `proving ${proofWithCommand(e.what, e.command)}`},
        ...(e.tunnel ? [{kind: 'output' as const, text: tunnelLine(e.tunnel)}] : []),
      ];
    case 'proof.progress':
      return [{kind: 'output', text: e.message}];
    case 'proof.ok':
      return [{kind: 'output', text: `✔ proven: ${e.what} (${e.ms} ms)`}];
    case 'proof.failed':
      return [{kind: 'output', text: `✘ not proven: ${e.what}: ${e.reason}`}];
    case 'step.compliant':
      return [{kind: 'ok', title: `${title}: already compliant, nothing to change`}];
    case 'step.skipped':
      return [{kind: 'ok', title: `${title}: skipped, nothing of it changed`}];
    case 'step.done':
      return [{kind: 'ok', title: `${title}: ${e.changed} change(s) in ${(e.ms / 1000).toFixed(1)} s`}];
    case 'step.rolled-back':
      return [{kind: 'fail', message: `${title} rolled back: ${e.reason}`}];
    case 'step.failed':
      return [{kind: 'fail', message: `${title}: ${e.reason}`}];
    case 'artifact':
      return [{kind: 'note', text: artifactLine(e)}];
    default:
      return assertNever(e, 'type');
  }
}

/** The step an event belongs to. */
export function stepOf(e: EngineEvent): string | undefined {
  if (e.type === 'facts' || e.type === 'packages.ahead') return undefined;
  return e.type === 'step.planned' ? e.step.id : e.id;
}

/** The deadline the target fixed for an armed step, as its own clock has it (UTC). */
export function deadlineLine(server: number): string {
  const t = new Date(server * 1000).toISOString().slice(11, 19);
  return `the target rolls this step back at ${t} UTC (its own clock) unless the new way in is proven first`;
}

/** A lost connection under an armed step, as the operator reads it. */
export function reconnectLine(e: Extract<EngineEvent, {type: 'reconnecting'}>): string {
  const until = new Date(e.until).toISOString().slice(11, 19);
  return `connection to the target lost (${e.reason.slice(0, 120)}); trying again in ${Math.round(e.waitMs / 1000)} s (attempt ${e.attempt}, until ${until} UTC) to learn what the dead-man timer did`;
}
