import type {Action, PlannedStep} from '../core/types.js';
import {compileAction, summarize} from '../engine/compile.js';

/**
 * One planned action as every frontend and every export shows it: its one-line summary, the exact shell
 * lines it runs (secrets withheld, files as readable heredocs), and the unified diff of the file it writes
 * or removes. The text of the plan review, `portcullis plan`, `--format sh` and `--json` alike.
 */
export interface ActionText {
  kind: Action['kind'];
  summary: string;
  commands: string[];
  /** Only for a file.write or file.remove, and only when there is one (a removed file that is absent has none). */
  diff?: string;
}

/** The planned step's actions as text; `runId` stands in the shell lines for the run's id. */
export function actionTexts(p: PlannedStep, runId = 'RUN'): ActionText[] {
  return p.plan.actions.map((a, i) => {
    const diff = p.diffs[i];
    return {
      kind: a.kind,
      summary: summarize(a),
      commands: compileAction(a, {runId, stepId: p.id, style: 'review'}),
      ...(diff === undefined ? {} : {diff}),
    };
  });
}

/** An action's one-line summary (what the progress rows and the journal call it). */
export function actionSummary(a: Action): string {
  return summarize(a);
}
