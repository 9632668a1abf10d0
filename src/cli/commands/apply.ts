import {LocalJournal, localJournalPath} from '../../engine/journal.js';
import {applyRunbook} from '../../engine/runbook.js';
import {lineReporter} from '../../headless/line-reporter.js';
import {describeFacts, detectFacts} from '../../platform/detect.js';
import {exposures, meantPublic} from '../../platform/exposure.js';
import {exposureTable} from '../../render/exposure-table.js';
import {makeStyle} from '../../render/plan-text.js';
import {InputError} from '../../util/errors.js';
import {type ConnectOptions, openTarget} from '../connect.js';
import {newRunId, setupRun} from '../run-setup.js';

export interface ApplyCliOptions extends ConnectOptions {
  recipe?: string;
  set?: string[];
  yes?: boolean;
  until?: string;
  confirmTimeout?: string;
  connectTunnel?: boolean;
  json?: boolean;
}

export async function runApply(spec: string | undefined, o: ApplyCliOptions): Promise<void> {
  const setup = setupRun(o);
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY) && !o.yes && !process.env.CI;
  if (!interactive && !o.yes) throw new InputError('not on a terminal: pass --yes to apply without questions');
  if (o.connectTunnel) setup.values.connect_tunnel = true;
  const target = await openTarget(spec, o);
  const st = makeStyle(Boolean(process.stderr.isTTY) && !process.env.NO_COLOR);
  const events = lineReporter(st);
  const runId = newRunId();
  const journal = new LocalJournal(localJournalPath(target.label));
  let outcome: unknown;
  try {
    const facts = await detectFacts(target);
    events({type: 'facts', summary: describeFacts(facts)});
    const before = exposures(facts, meantPublic(setup.values));
    const result = await applyRunbook({
      target,
      facts,
      steps: setup.steps,
      values: setup.values,
      runId,
      journal,
      events,
      until: o.until,
      confirm: async (p) => {
        if (!interactive) return true;
        const {confirmStep} = await import('../confirm.js');
        return confirmStep(p, target.host, st);
      },
    });
    outcome = result;
    const after = exposures(result.facts, meantPublic(setup.values));
    if (o.json) {
      process.stdout.write(
        `${JSON.stringify({run: runId, target: target.label, recipe: setup.recipeName, status: 'applied', changed: result.changed, steps: result.steps, journal: journal.path, exposures: {before, after}}, null, 2)}\n`,
      );
    } else {
      process.stderr.write(`${st.bold('done')}: ${result.changed} change(s); journal ${journal.path}\n`);
      process.stderr.write(`${exposureTable(before, after).join('\n')}\n`);
    }
  } catch (err) {
    if (o.json && outcome === undefined) {
      process.stdout.write(
        `${JSON.stringify({run: runId, target: target.label, recipe: setup.recipeName, status: 'failed', error: (err as Error).message, journal: journal.path}, null, 2)}\n`,
      );
    }
    throw err;
  } finally {
    await target.close();
  }
}
