import type {ActionRow} from '../state/types.js';

export interface ProgressLayout {
  /** Rows for the action list, its heading included. */
  actions: number;
  /** Rows for the output tail, its heading included (0: hidden). */
  output: number;
}

/**
 * Splits the rows under the step header between the action list and the output tail, after the fixed
 * panel (countdown or proof). Output gives way first, down to 3 lines; the list keeps at least 3 rows.
 */
export function progressLayout(body: number, panel: number, outputLines: number, actionCount: number): ProgressLayout {
  const free = Math.max(0, body - panel);
  const wantActions = actionCount + 1;
  const wantOutput = outputLines ? Math.min(outputLines, 8) + 1 : 0;
  if (wantActions + wantOutput <= free) return {actions: wantActions, output: wantOutput};
  const output = wantOutput ? Math.max(Math.min(wantOutput, 4), free - wantActions) : 0;
  const actions = Math.max(Math.min(4, wantActions), free - output);
  const left = Math.min(output, free - actions);
  return {actions, output: left < 2 ? 0 : left};
}

export interface ActionWindow {
  before: number;
  shown: {row: ActionRow; index: number}[];
  after: number;
}

/**
 * At most `max` rows of the action list around the first row still to run: rows above it fold into
 * one "n done" line, rows below into one "n more" line.
 */
export function actionWindow(rows: readonly ActionRow[], max: number): ActionWindow {
  const all = rows.map((row, index) => ({row, index}));
  if (rows.length <= max) return {before: 0, shown: all, after: 0};
  const room = Math.max(1, max - 2);
  const focus = Math.max(
    0,
    rows.findIndex((r) => r.status === 'running' || r.status === 'pending' || r.status === 'failed'),
  );
  let start = Math.max(0, Math.min(focus - 1, rows.length - room));
  if (start === 1) start = 0;
  const end = Math.min(rows.length, start + (start === 0 ? room + 1 : room));
  return {before: start, shown: all.slice(start, end), after: rows.length - end};
}
