import type {EventSink} from '../engine/events.js';
import {assertNever} from '../util/errors.js';

/**
 * One line per step on one host, prefixed with the host's name (`web1  ✔ SSH hardening: 3 change(s) in
 * 2.1 s`), for a fleet's interleaved headless output. Actions, command output and proofs stay out: the
 * step's line says how it ended, and a rollback's line says why.
 */
export function hostLines(host: string, write: (line: string) => void, width = 0): EventSink {
  const titles = new Map<string, string>();
  const p = host.padEnd(width);
  return (e) => {
    switch (e.type) {
      case 'step.planned':
        titles.set(e.step.id, e.step.title);
        break;
      case 'step.compliant':
        write(`${p}  ✔ ${titles.get(e.id) ?? e.id}: already compliant`);
        break;
      case 'step.done':
        write(`${p}  ✔ ${titles.get(e.id) ?? e.id}: ${e.changed} change(s) in ${(e.ms / 1000).toFixed(1)} s, proven`);
        break;
      case 'step.rolled-back':
        write(`${p}  ↺ ${titles.get(e.id) ?? e.id} rolled back: ${e.reason}`);
        break;
      case 'step.failed':
        write(`${p}  ✘ ${titles.get(e.id) ?? e.id}: ${e.reason}`);
        break;
      // A fleet's lines say how each step ended; the rest is each host's own detail: what was read,
      case 'facts':
      case 'values':
      case 'finding':
      // the step under way,
      case 'packages.ahead':
      case 'step.start':
      case 'action.start':
      case 'output':
      case 'artifact':
      case 'step.skipped':
      // its timer and proofs.
      case 'timer.armed':
      case 'timer.deadline':
      case 'reconnecting':
      case 'proof.start':
      case 'proof.progress':
      case 'proof.ok':
      case 'proof.failed':
        break;
      default:
        assertNever(e, 'event');
    }
  };
}
