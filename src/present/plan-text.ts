import {isRefused, type PlannedStep} from '../core/types.js';
import {aheadGroups} from '../engine/ahead.js';
import {actionTexts} from './action-text.js';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export function makeStyle(color: boolean): Style {
  const w = (code: number, end: number) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[${end}m` : s);
  return {bold: w(1, 22), dim: w(2, 22), red: w(31, 39), green: w(32, 39), yellow: w(33, 39), cyan: w(36, 39)};
}

export function colorDiff(diff: string, st: Style): string {
  return diff
    .split('\n')
    .map((l) =>
      l.startsWith('+') && !l.startsWith('+++')
        ? st.green(l)
        : l.startsWith('-') && !l.startsWith('---')
          ? st.red(l)
          : l.startsWith('@@')
            ? st.cyan(l)
            : l,
    )
    .join('\n');
}

const RISK: Record<PlannedStep['risk'], string> = {
  safe: 'read-only',
  reversible: 'reversible change',
  lockout: 'can cut access: runs under a dead-man timer',
};

/** The dry-run as text: for each step, why, risk, undo, findings, then every command and every file diff. */
export function renderPlan(steps: readonly PlannedStep[], st: Style, header: string): string {
  const out: string[] = [st.bold(header), ''];
  for (const [n, s] of steps.entries()) {
    const status = isRefused(s.plan)
      ? st.red('refused: nothing of it would run')
      : s.plan.actions.length
        ? `${s.plan.actions.length} change(s)`
        : 'nothing to change';
    out.push(st.bold(`${n + 1}. ${s.title}`) + st.dim(` [${s.id}] ${status}, ${RISK[s.risk]}`));
    out.push(`   ${s.why}`);
    if (s.plan.actions.length) out.push(st.dim(`   undo: ${s.undo}`));
    for (const f of s.plan.findings) {
      const tag = f.level === 'error' ? st.red('refuse') : f.level === 'warn' ? st.yellow('warn') : st.dim('note');
      out.push(`   ${tag} ${f.message}${f.fix ? st.dim(` (fix: ${f.fix})`) : ''}`);
    }
    for (const a of actionTexts(s)) {
      out.push(`   - ${a.summary}`);
      if (a.diff) out.push(indent(colorDiff(a.diff.trimEnd(), st), 6));
      // A file written is shown by its diff; the commands that write it are for `--format sh`.
      if (a.kind !== 'file.write') for (const l of a.commands) out.push(indent(st.cyan(`$ ${l}`), 6));
    }
    out.push('');
  }
  const groups = aheadGroups(steps);
  if (groups.length)
    out.push(
      st.dim(
        `packages: ${groups.flatMap((g) => g.packages).join(', ')}. \`apply --yes\` installs them ahead, in the background, once the first step starts to change something (only new packages: nothing installed is upgraded or removed); the wizard only downloads them ahead; \`--no-ahead\` leaves each install to its step.`,
      ),
      '',
    );
  return out.join('\n');
}

function indent(s: string, n: number): string {
  const pad = ' '.repeat(n);
  return s
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}
