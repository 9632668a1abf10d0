import {isRefused, type PlannedStep} from '../core/types.js';
import {AS_USER_FN} from '../engine/as-user.js';
import {actionTexts} from './action-text.js';

/**
 * `plan --format sh`: the plan as one reviewable POSIX script, for a change ticket. It has no dead-man
 * timer and proves nothing: the wizard is the safe way to run it. Timer and proof actions become comments.
 * It ends where apply would stop: at the first refused step, so nothing that depends on it is exported.
 */
export function renderPlanSh(steps: readonly PlannedStep[], header: string): string {
  const out = [
    '#!/bin/sh',
    `# ${header}`,
    '# Exported by `portcullis plan --format sh`. WARNING: this script has NO dead-man timer and does not',
    '# prove any new way in before closing the old one. Review it; run it with `portcullis apply` to be safe.',
    'set -eu',
    '',
  ];
  // Files in users' directories are written as those users (engine/as-user.ts): the helper that drops to them.
  if (steps.some((s) => s.plan.actions.some((a) => 'as' in a && a.as)))
    out.push('# pc_as USER CMD...: runs CMD as USER (never as root) for files in their directories', AS_USER_FN, '');
  for (const s of steps) {
    if (isRefused(s.plan)) {
      const why = s.plan.findings.filter((f) => f.level === 'error').map((f) => f.message);
      out.push(
        `# --- ${s.title} (${s.id}) is REFUSED: ${why.join('; ').replace(/\n/g, ' ')}`,
        `# Apply stops here; this step and the ${steps.length - steps.indexOf(s) - 1} after it are not exported.`,
        'echo "portcullis: this plan stops at a refused step; see the comments" >&2',
        'exit 1',
        '',
      );
      break;
    }
    if (!s.plan.actions.length) continue;
    out.push(`# --- ${s.title} (${s.id})`);
    for (const a of actionTexts(s, 'export')) {
      if (a.kind === 'timer.arm' || a.kind === 'timer.disarm') {
        out.push(`# (skipped here) ${a.summary}`);
        continue;
      }
      out.push(`# ${a.summary}`, ...a.commands);
    }
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
