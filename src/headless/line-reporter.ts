import type {EngineEvent} from '../engine/events.js';
import {aheadLine} from '../present/ahead-line.js';
import type {Style} from '../present/plan-text.js';
import {assertNever} from '../util/errors.js';
import {proofWithCommand} from '../util/proof-words.js';
import {artifactLine, deadlineLine, reconnectLine, tunnelLine} from './task-updates.js';

/**
 * Plain progress lines on stderr for --yes, CI and pipes: one line per event that matters, command
 * output as an indented tail. stdout stays free for --json.
 */
export function lineReporter(st: Style, write: (s: string) => void = (s) => process.stderr.write(s)) {
  const titles = new Map<string, string>();
  return (e: EngineEvent): void => {
    switch (e.type) {
      case 'facts':
        write(`${st.dim('found')} ${e.summary}\n`);
        break;
      case 'packages.ahead':
        write(`${st.dim(aheadLine(e))}\n`);
        break;
      case 'step.planned':
        titles.set(e.step.id, e.step.title);
        break;
      case 'values':
        break;
      case 'step.start':
        write(`${st.bold(`▶ ${titles.get(e.id) ?? e.id}`)}\n`);
        break;
      case 'action.start':
        write(`  ${st.dim('·')} ${e.summary}\n`);
        break;
      case 'output':
        write(st.dim(`    ${e.line.slice(0, 200)}\n`));
        break;
      case 'timer.armed':
        write(
          `  ${st.yellow('⏱')} dead-man timer armed: rolls back in ${e.seconds} s unless the new way in is proven\n`,
        );
        break;
      case 'reconnecting':
        write(`  ${st.yellow('↻')} ${reconnectLine(e)}\n`);
        break;
      case 'timer.deadline':
        write(`  ${st.yellow('⏱')} ${deadlineLine(e.server)}\n`);
        break;
      case 'proof.start':
        write(`  ${st.cyan('?')} proving ${proofWithCommand(e.what, e.command)}\n`);
        if (e.tunnel) write(`    ${tunnelLine(e.tunnel)}\n`);
        break;
      case 'proof.progress':
        write(`  ${st.green('✔')} ${e.message}\n`);
        break;
      case 'artifact':
        write(`  ${st.dim('↳')} ${artifactLine(e)}\n`);
        break;
      case 'proof.ok':
        write(`  ${st.green('✔')} proven: ${e.what} (${e.ms} ms)\n`);
        break;
      case 'proof.failed':
        write(`  ${st.red('✘')} not proven: ${e.what}: ${e.reason}\n`);
        break;
      case 'step.compliant':
        write(`${st.green('✔')} ${titles.get(e.id) ?? e.id}: already compliant, nothing to change\n`);
        break;
      case 'step.skipped':
        write(`${st.yellow('·')} ${titles.get(e.id) ?? e.id}: skipped, nothing of it changed\n`);
        break;
      case 'step.done':
        write(
          `${st.green('✔')} ${titles.get(e.id) ?? e.id}: ${e.changed} change(s) in ${(e.ms / 1000).toFixed(1)} s\n`,
        );
        break;
      case 'step.rolled-back':
        write(`${st.red('↺')} ${titles.get(e.id) ?? e.id} rolled back: ${e.reason}\n`);
        break;
      case 'step.failed':
        write(`${st.red('✘')} ${titles.get(e.id) ?? e.id}: ${e.reason}\n`);
        break;
      case 'finding':
        if (e.finding.level !== 'info')
          write(`  ${e.finding.level === 'error' ? st.red('!') : st.yellow('!')} ${e.finding.message}\n`);
        break;
      default:
        assertNever(e, 'type');
    }
  };
}
