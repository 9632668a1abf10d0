import type {RunValues} from '../../core/values.js';
import {recordPosture} from '../../drift/record.js';
import {LocalJournal, localJournalPath} from '../../engine/journal.js';
import {applyRunbook} from '../../engine/runbook.js';
import {describeFacts, detectFacts} from '../../platform/detect.js';
import {type Exposure, exposures, meantPublic} from '../../platform/exposure.js';
import {exposureTable} from '../../present/exposure-table.js';
import {appliedJson, failedJson, printJson} from '../../present/json.js';
import {makeStyle} from '../../present/plan-text.js';
import {loginOf} from '../../target/endpoint.js';
import type {Target} from '../../target/types.js';
import type {FirstFrame} from '../../ui/pre-frame.js';
import {exitCodeOf, InputError, RunError} from '../../util/errors.js';
import {type ConnectOptions, checkTarget, openTarget} from '../connect.js';
import {currentTerminal, openFrontend, outputMode, wantsColor} from '../frontend.js';
import {interruptKeys} from '../interrupt-keys.js';
import {newRunId, saveAnswers, setupRun} from '../run-setup.js';

export interface ApplyCliOptions extends ConnectOptions {
  recipe?: string;
  set?: string[];
  yes?: boolean;
  until?: string;
  confirmTimeout?: string;
  connectTunnel?: boolean;
  json?: boolean;
  answers?: string;
  saveAnswers?: string;
  breakLock?: boolean;
  /** false with --no-ahead: every step installs its own packages when it runs. */
  ahead?: boolean;
  /** The wizard's first frame, already on screen. */
  firstFrame?: FirstFrame;
}

export async function runApply(spec: string | undefined, o: ApplyCliOptions): Promise<void> {
  const fleet = o as ApplyCliOptions & import('./fleet-apply.js').FleetCliOptions;
  if (fleet.inventory !== undefined) return (await import('./fleet-apply.js')).runFleetApply(spec, fleet);
  checkTarget(spec, o);
  const setup = setupRun({...o, login: loginOf(spec, o)});
  if (o.saveAnswers) {
    const skipped = saveAnswers(o.saveAnswers, setup.values);
    process.stderr.write(
      `answers saved to ${o.saveAnswers}${skipped.length ? ` (without ${skipped.join(', ')}: secrets are not saved)` : ''}\n`,
    );
  }
  // Ink (interactive), plain lines (dumb terminal) or listr2 (headless): one owner of the terminal per run.
  const mode = outputMode(currentTerminal(o));
  if (mode.kind === 'refuse') throw new InputError('not on a terminal: pass --yes to apply without questions');
  const interactive = mode.kind === 'ink' || mode.kind === 'plain';
  const ui = await openFrontend(mode, {...o, spec, recipe: setup.recipeName, steps: setup.steps});
  const st = makeStyle(wantsColor(process.stderr.isTTY === true));
  const runId = newRunId();
  let target: Target | undefined;
  let journal: LocalJournal | undefined;
  let before: Exposure[] | undefined;
  let outcome: unknown;
  try {
    target = await openTarget(spec, {...o, sudoPassword: ui.sudoPassword});
    ui.connecting(target.label, target.host);
    journal = new LocalJournal(localJournalPath(target.label));
    const facts = await detectFacts(target);
    ui.events({type: 'facts', summary: describeFacts(facts)});
    before = exposures(facts, meantPublic(setup.values));
    if (!(await ui.ready(target, facts, before)))
      throw new RunError('stopped by the operator before any change; nothing was changed');
    const result = await applyRunbook({
      target,
      // Headless Ctrl-C: the first stops before the next step (the one in flight finishes or rolls back);
      // a second leaves at once, and an armed dead-man timer restores the target.
      signal: ui.signal ?? headlessStop(),
      facts,
      steps: setup.steps,
      values: setup.values,
      settings: {interactive, connectTunnel: o.connectTunnel === true},
      runId,
      journal,
      events: ui.events,
      until: o.until,
      breakLock: o.breakLock === true,
      // Consented as a whole (--yes): packages install ahead; step by step: they only download ahead.
      ahead: o.ahead === false ? undefined : interactive ? 'download' : 'install',
      operator: {
        connectTunnel: async (confPath, iface) => {
          const {connectTunnel} = await import('../../wg/tunnel.js');
          await connectTunnel(confPath, iface);
        },
      },
      confirm: (p) => ui.confirm(p),
      provide: ui.provide?.bind(ui),
      recover: ui.recover?.bind(ui),
    });
    outcome = result;
    // What check and the on-server watch compare with: the posture this apply left.
    const unrecorded = await recordPosture(target);
    if (unrecorded)
      ui.events({
        type: 'finding',
        id: result.steps.at(-1)?.id ?? 'preflight',
        finding: {level: 'warn', message: unrecorded},
      });
    const after = exposures(result.facts, meantPublic(setup.values));
    await ui.finish({result, before, after, journal: journal.path});
    if (o.json) {
      printJson('apply', appliedJson(runId, target, setup.recipeName, result, journal.path, {before, after}));
    } else if (!ui.showsSummary) {
      process.stderr.write(`${st.bold('done')}: ${result.changed} change(s); journal ${journal.path}\n`);
      process.stderr.write(`${exposureTable(before, after).join('\n')}\n`);
      for (const f of result.artifacts) process.stderr.write(`written on this machine: ${f}\n`);
    }
  } catch (err) {
    if (outcome === undefined) {
      // The finish screen compares exposure before and after, also when the run stopped or rolled back.
      const after = target && before && ui.showsSummary ? await exposedNow(target, setup.values) : undefined;
      await ui.finish({error: err, before, after, journal: journal?.path});
    }
    if (o.json && outcome === undefined) {
      printJson('apply', failedJson(runId, target?.label ?? spec ?? 'local', setup.recipeName, err, journal?.path));
    }
    // The wizard's finish screen has said what happened; the exit code still says it failed.
    if (ui.showsSummary && !(o as {debug?: boolean}).debug) {
      process.exitCode = exitCodeOf(err);
      return;
    }
    throw err;
  } finally {
    await target?.close();
  }
}

/** What is reachable now, or undefined when the target does not answer within a few seconds. */
async function exposedNow(target: Target, values: RunValues): Promise<Exposure[] | undefined> {
  const read = detectFacts(target).then(
    (f) => exposures(f, meantPublic(values)),
    () => undefined,
  );
  return Promise.race([read, new Promise<undefined>((r) => setTimeout(r, 8000, undefined).unref())]);
}

function headlessStop(): AbortSignal {
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) {
      process.stderr.write('portcullis: stopped at once; a step under its dead-man timer is restored by the timer\n');
      process.exit(130);
    }
    process.stderr.write(
      'portcullis: stopping after the step in flight (Ctrl-C again to leave now; an armed timer restores the target)\n',
    );
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  // On a terminal, Ctrl-C as a key: the terminal's signal would also end the ssh client in flight.
  const release = interruptKeys(onSigint);
  process.once('beforeExit', release);
  return stop.signal;
}
