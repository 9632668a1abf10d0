import {stepDir} from '../core/paths.js';
import type {Action, PlannedStep} from '../core/types.js';
import type {ExecResult} from '../target/types.js';
import {quote} from '../util/shell.js';
import type {ApplyOptions, Recorder} from './apply-options.js';
import {countChanges, touchedPaths} from './changes.js';
import {compileAction, summarize} from './compile.js';
import {armedJournalLine, armScript} from './dead-man.js';
import type {JournalEntry} from './journal.js';
import {afterLostConnection} from './lost-connection.js';
import {proveTunnel, proveWithRetry} from './proof.js';
import {isJournalLine, lineAt, serverDeadline, splitOutput, TAIL_MARK} from './protocol.js';
import {EXPIRED_EXIT, journalLine, rollbackScript, SEGMENT_PRELUDE, snapshotLines, stillArmedLine} from './scripts.js';
import {describeService, proveService} from './service-proof.js';
import {rollBack} from './step-rollback.js';

/**
 * Runs a confirmed step. `tail`: a read-only script run after the step's last segment, in the same round
 * trip, once the step is committed; its output (never shown as the step's output) is returned.
 */
export async function executeStep(
  o: ApplyOptions,
  planned: PlannedStep,
  record: Recorder,
  tailScript?: string,
  /** The run's begin entry, for the target's journal with this step's first change. */
  runBegin?: JournalEntry,
): Promise<string | undefined> {
  let tail = tailScript;
  const run = o.runId;
  const id = planned.id;
  const d = stepDir(run, id);
  const actions = planned.plan.actions;
  const touches = touchedPaths(actions);
  const ctx = {runId: run, stepId: id, style: 'exec' as const};
  let armedSeconds = 0;
  // When the window ends, on this machine's clock: estimated at the arming, then mapped from the deadline
  // the target fixed (its journal line arrives as it is written).
  let deadline: number | undefined;
  let serverAt: number | undefined;
  const window = () => ({end: deadline ?? Date.now() + armedSeconds * 1000, server: serverAt});
  // Once a segment has armed the timer on the target, every later segment first checks the step is still
  // armed: one delayed past the window (a stalled connection) finds it rolled back and changes nothing.
  let arming = false;
  let armedOnTarget = false;
  // Packages a step installs first are never removed by a rollback, so the before-images are taken after
  // them: a rollback restores the configuration the package shipped, and the step's onRollback stops
  // what it started.
  let snapshot = [
    ...(runBegin ? [journalLine(runBegin)] : []),
    ...snapshotLines(run, id, touches),
    `printf '%s' ${quote(rollbackScript(run, id, touches, planned.plan.onRollback))} > ${quote(`${d}/rollback.sh`)}`,
    ...(actions.some((a) => a.kind === 'timer.arm')
      ? [`printf '%s' ${quote(armScript(run, id))} > ${quote(`${d}/arm.sh`)}`]
      : []),
    `echo applying > ${quote(`${d}/state`)}`,
    journalLine({run, kind: 'step.begin', step: id, touches: touches.map((t) => t.path)}),
  ];
  const takeSnapshot = () => {
    lines.push(...snapshot);
    snapshot = [];
  };
  let lines: string[] = [
    SEGMENT_PRELUDE,
    `pcfail() { pcj "{\\"run\\":\\"${run}\\",\\"kind\\":\\"action.failed\\",\\"step\\":\\"${id}\\",\\"i\\":$1,\\"code\\":$2}"; exit 3; }`,
  ];

  let tailOut: string | undefined;
  const flush = async (withTail?: string) => {
    if (!lines.length) return;
    if (withTail) lines.push(`echo ${TAIL_MARK}`, withTail);
    let inTail = false;
    const script = [
      SEGMENT_PRELUDE,
      `pcfail() { pcj "{\\"run\\":\\"${run}\\",\\"kind\\":\\"action.failed\\",\\"step\\":\\"${id}\\",\\"i\\":$1,\\"code\\":$2}"; exit 3; }`,
      ...(armedOnTarget ? [stillArmedLine(run, id)] : []),
      ...lines,
    ].join('\n');
    lines = [];
    let r: ExecResult;
    try {
      r = await o.target.run(script, {
        onLine: (line) => {
          if (line === TAIL_MARK) inTail = true;
          if (!inTail && !isJournalLine(line)) o.events({type: 'output', id, line});
          const dl = serverDeadline(line, Date.now());
          if (dl) {
            deadline = dl.local;
            serverAt = dl.server;
            o.events({type: 'timer.deadline', id, deadline: dl.local, server: dl.server});
          }
        },
      });
    } catch (e) {
      // Lost mid-segment with the step under its timer: what happened is the target's to say.
      if (!armedSeconds || !(arming || armedOnTarget)) throw e;
      await afterLostConnection(o, planned, record, (e as Error).message, window(), 'segment');
      tailOut = undefined;
      return;
    }
    const at = withTail ? lineAt(r.stdout, TAIL_MARK) : -1;
    if (at >= 0) tailOut = r.stdout.slice(at + TAIL_MARK.length + 1);
    const out = splitOutput(at >= 0 ? r.stdout.slice(0, at) : r.stdout);
    record(out.journal.filter((e) => e.kind !== 'run.begin'));
    if (arming && r.code === 0) armedOnTarget = true;
    if (r.code !== 0) {
      const failed = out.journal.find((e) => e.kind === 'action.failed');
      if (!failed && r.code === EXPIRED_EXIT && armedSeconds) {
        // The timer fired first (it took the claim, or had already rolled back): rolling back again is
        // harmless and restores anything a segment that overlapped it changed.
        await rollBack(
          o,
          planned,
          `the ${armedSeconds} s dead-man window ran out before the new way in was confirmed (the connection to the target stalled), and the timer rolled this step back`,
          record,
          window(),
        );
      }
      const what = failed && 'i' in failed ? summarize(actions[failed.i] as Action) : 'preparing the step';
      const tail = (r.stderr.trim().split('\n').slice(-3).join(' | ') || out.lines.slice(-3).join(' | ')).slice(0, 400);
      await rollBack(
        o,
        planned,
        `${what} failed (exit ${failed && 'code' in failed ? failed.code : r.code})${tail ? `: ${tail}` : ''}`,
        record,
        armedSeconds && armedOnTarget ? window() : undefined,
      );
    }
  };

  // When nothing but the disarm follows the last proof, the step has made all its changes once that proof
  // starts: the read after the step (`tail`) runs beside the proof instead of after the commit. A proof
  // that fails discards it.
  const lastProof = actions.findLastIndex((a) => a.kind === 'proof');
  const readBeside =
    tail !== undefined && lastProof >= 0 && actions.slice(lastProof + 1).every((a) => a.kind === 'timer.disarm');
  let besideRead: Promise<string | undefined> | undefined;
  for (const [i, a] of actions.entries()) {
    if (a.kind !== 'package.install') takeSnapshot();
    if (a.kind === 'proof') {
      await flush();
      if (readBeside && i === lastProof && tail) {
        besideRead = o.target.run(tail).then(
          (r) => (r.code === 0 ? r.stdout : undefined),
          () => undefined,
        );
        tail = undefined;
      }
      const command = a.service ? describeService(a.service) : o.target.describeRoute(a.route);
      o.events({
        type: 'proof.start',
        id,
        what: a.what,
        command,
        deadline: armedSeconds ? (deadline ?? Date.now() + armedSeconds * 1000) : undefined,
        tunnel: a.tunnel && {
          confPath: a.tunnel.confPath,
          localIface: a.tunnel.localIface,
          connect: a.tunnel.connect,
          deadline: Date.now() + a.tunnel.timeoutS * 1000,
        },
      });
      // Locally the operator proves it by logging in anew; give them the window, less time to disarm.
      const route =
        o.target.kind === 'local' ? {...a.route, timeoutS: Math.max(15, (armedSeconds || 120) - 10)} : a.route;
      const res = a.service
        ? await proveService(o.target, a.service)
        : a.tunnel
          ? await proveTunnel(o, id, a.tunnel, route, a.what)
          : await proveWithRetry(o.target, {...a, route});
      if (!res.ok) {
        // Never waited for: it may be waiting for packages, and a rollback does not wait for anything.
        record([{run, kind: 'proof.failed', step: id, route: command, reason: res.reason}]);
        o.events({type: 'proof.failed', id, what: a.what, reason: res.reason});
        await rollBack(
          o,
          planned,
          `could not prove ${a.what}: ${res.reason}`,
          record,
          armedSeconds && armedOnTarget ? window() : undefined,
        );
      }
      o.events({type: 'proof.ok', id, what: a.what, ms: res.ms});
      lines.push(journalLine({run, kind: 'proof.ok', step: id, route: command}));
      continue;
    }
    o.events({type: 'action.start', id, index: i, summary: summarize(a)});
    lines.push(journalLine({run, kind: 'action.begin', step: id, i, summary: summarize(a)}));
    for (const l of compileAction(a, ctx)) lines.push(`{ ${l}\n} || pcfail ${i} $?`);
    if (a.kind === 'timer.arm') {
      armedSeconds = a.seconds;
      arming = true;
      lines.push(`echo armed > ${quote(`${d}/state`)}`, armedJournalLine(run, id, a.seconds));
      deadline = Date.now() + a.seconds * 1000;
      o.events({type: 'timer.armed', id, seconds: a.seconds, deadline});
    }
    lines.push(journalLine({run, kind: 'action.done', step: id, i}));
    if (a.kind === 'timer.disarm') lines.push(journalLine({run, kind: 'timer.disarmed', step: id}));
  }
  takeSnapshot();
  lines.push(
    `echo committed > ${quote(`${d}/state`)}`,
    journalLine({run, kind: 'step.done', step: id, changed: countChanges(actions)}),
  );
  await flush(tail);
  if (besideRead) return `\n${(await besideRead) ?? ''}`;
  return tailOut;
}
