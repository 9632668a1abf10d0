import {detectFacts, detectScript, factsFrom} from '../platform/detect.js';
import type {Facts} from '../platform/facts.js';
import type {ExecResult, ProofRoute, Target} from '../target/types.js';
import {assertNever, RunError} from '../util/errors.js';
import {quote} from '../util/shell.js';
import {printable} from '../util/terminal.js';
import {type AheadGroup, type AheadMode, aheadGroups, aheadStartScript, aheadStopScript} from './ahead.js';
import type {Touched} from './as-user.js';
import {compileAction, summarize} from './compile.js';
import {armedJournalLine, armScript} from './dead-man.js';
import {applyDerivations, checkAllParams, derivationReads, pendingDerivations} from './derive.js';
import {diffsFor} from './diffs.js';
import {type EventSink, escapedEvents} from './events.js';
import type {JournalEntry, LocalJournal} from './journal.js';
import {acquireLock} from './lock.js';
import {stepDir, timerUnit} from './paths.js';
import {reconcile} from './reconnect.js';
import {
  aheadWaitLine,
  EXPIRED_EXIT,
  journalLine,
  parseProbe,
  probeScript,
  rollbackScript,
  rolledBackEntry,
  SEGMENT_PRELUDE,
  serverDeadline,
  snapshotLines,
  splitOutput,
  stillArmedLine,
} from './scripts.js';
import {describeService, proveService} from './service-proof.js';
import {
  type Action,
  isRefused,
  type PlannedStep,
  type ProbeData,
  type ProbeRequest,
  type Step,
  type StepContext,
} from './types.js';

export interface RunbookStep {
  step: Step<unknown>;
}

export interface Access {
  user: string;
  host: string;
  port: number;
  kind: 'ssh' | 'local';
}

export function accessOf(target: Target | undefined, facts: Facts): Access {
  if (target) return {user: target.user, host: target.host, port: target.port, kind: target.kind};
  return {
    user: facts.operator.loginUser,
    host: facts.operator.serverAddress ?? '203.0.113.5',
    port: facts.operator.serverPort ?? 22,
    kind: 'ssh',
  };
}

function mergeRequests(reqs: readonly ProbeRequest[]): ProbeRequest {
  const files = new Set<string>();
  const queries: Record<string, string> = {};
  for (const r of reqs) {
    for (const f of r.files ?? []) files.add(f);
    Object.assign(queries, r.queries);
  }
  return {files: [...files], queries};
}

/** What a read of the target brought back, kept until the target changes: later plans may use it. */
interface ReadCache {
  req: ProbeRequest;
  data: ProbeData;
}

/** True when `have` read every file and ran every query (the same command) that `want` asks for. */
function covers(have: ProbeRequest, want: ProbeRequest): boolean {
  const files = new Set(have.files ?? []);
  if (!(want.files ?? []).every((f) => files.has(f))) return false;
  return Object.entries(want.queries ?? {}).every(([k, q]) => have.queries?.[k] === q);
}

const PROBE_MARK = '@@PC-PROBE';
const FACTS_MARK = '@@PC-FACTS';

/** Where `mark` stands alone on a line of `out` (the index of its first character), or -1. */
function lineAt(out: string, mark: string): number {
  if (out.startsWith(`${mark}\n`)) return 0;
  const i = out.indexOf(`\n${mark}\n`);
  return i < 0 ? -1 : i + 1;
}

/**
 * The read after a step: (`first`, then) the facts and the probe side by side (two cores, and both are
 * mostly waiting on process starts), printed one after the other: the probe, then the facts.
 */
function afterStepScript(first: string | undefined, req: ProbeRequest, withFacts = true): string {
  if (!withFacts) return [first ?? '', `echo ${PROBE_MARK}`, probeScript(req), `echo ${FACTS_MARK}`].join('\n');
  return [
    first ?? '',
    `pcdetect() (\n${detectScript()}\n)`,
    'pcd=$(mktemp 2>/dev/null) && { pcdetect "$1" >"$pcd" 2>/dev/null & pcdp=$!; }',
    `echo ${PROBE_MARK}`,
    probeScript(req),
    `if [ -n "$pcd" ]; then wait "$pcdp"; echo ${FACTS_MARK}; cat "$pcd"; rm -f "$pcd"; else echo ${FACTS_MARK}; pcdetect "$1"; fi`,
  ].join('\n');
}

/** The facts and reads from a step's tail (see executeStep); undefined when the tail did not run. */
function parseAfterStep(
  target: Target,
  out: string | undefined,
  req: ProbeRequest,
  /** The facts as they were, when the tail did not read them again (a step that changed nothing). */
  unchanged?: Facts,
): {facts: Facts; cache: ReadCache} | undefined {
  if (out === undefined) return undefined;
  const p = lineAt(out, PROBE_MARK);
  const f = lineAt(out, FACTS_MARK);
  if (p < 0 || f < p) return undefined;
  const facts = unchanged ?? factsFrom(target, {code: 0, stdout: out.slice(f + FACTS_MARK.length + 1), stderr: ''});
  return {facts, cache: {req, data: parseProbe(out.slice(p + PROBE_MARK.length + 1, f))}};
}

/**
 * What the step's convergence check and the next step's plan will probably read, as they would ask with
 * the facts and values from before the step (a guess: each use checks it, see `covers`). A step whose
 * values do not plan is left out (it will say why itself).
 */
function likelyReads(
  step: Step<unknown>,
  next: Step<unknown> | undefined,
  values: Record<string, unknown>,
  facts: Facts,
): ProbeRequest {
  const reqs: ProbeRequest[] = [];
  for (const s of [step, next]) {
    if (!s) continue;
    try {
      reqs.push(s.probe(facts, s.params(values, facts)));
    } catch {
      // Planned for real later, with its own read and its own error.
    }
  }
  return mergeRequests(reqs);
}

/**
 * The run's first read: what the derivations need and what the first `count` steps will likely ask for
 * (with the values as they are before derivation), in one round trip; offline, the profile's answers.
 */
async function readFirst(
  target: Target | undefined,
  facts: Facts,
  steps: readonly Step<unknown>[],
  values: Record<string, unknown>,
  extra: readonly ProbeRequest[],
  count: number,
): Promise<ReadCache> {
  const req = mergeRequests([...extra, ...steps.slice(0, count).map((s) => likelyReads(s, undefined, values, facts))]);
  if (!target) {
    const data: ProbeData = {files: {}, queries: {}};
    for (const f of req.files ?? []) data.files[f] = {exists: false};
    return {req, data};
  }
  const r = await target.run(probeScript(req));
  return {req, data: parseProbe(r.stdout)};
}

/** Reads what the steps asked for: one round trip for any number of steps; offline, the profile's answers. */
export async function probeSteps(
  target: Target | undefined,
  facts: Facts,
  steps: readonly {step: Step<unknown>; params: unknown}[],
  cache?: ReadCache,
  /** Told what was read (the request and the data), so a later plan can reuse it. */
  keep?: (c: ReadCache) => void,
): Promise<ProbeData> {
  const req = mergeRequests(steps.map((s) => s.step.probe(facts, s.params)));
  if (target && cache && covers(cache.req, req)) return cache.data;
  if (!target) {
    const data: ProbeData = {files: {}, queries: {}};
    for (const f of req.files ?? []) data.files[f] = {exists: false};
    for (const s of steps) {
      const off = s.step.offline?.(facts, s.params);
      Object.assign(data.files, off?.files);
      Object.assign(data.queries, off?.queries);
    }
    return data;
  }
  if (!req.files?.length && !Object.keys(req.queries ?? {}).length) return {files: {}, queries: {}};
  const r = await target.run(probeScript(req));
  const data = parseProbe(r.stdout);
  keep?.({req, data});
  return data;
}

export function planStep(s: Step<unknown>, ctx: StepContext<unknown>): PlannedStep {
  const plan = s.plan(ctx);
  // Findings quote what the target said (names, paths, settings): shown with control characters escaped.
  const findings = plan.findings.map((f) => ({
    ...f,
    message: printable(f.message),
    ...(f.fix ? {fix: printable(f.fix)} : {}),
  }));
  return {
    id: s.id,
    title: s.title,
    why: s.why,
    risk: s.risk,
    undo: s.undo,
    plan: {...plan, findings},
    diffs: diffsFor(plan.actions, ctx.probe),
  };
}

/** The dry-run: facts, one probe round trip, pure plans. Cannot change the target: it only runs read-only scripts. */
export async function planRunbook(
  target: Target | undefined,
  facts: Facts,
  steps: readonly Step<unknown>[],
  values: Record<string, unknown>,
  /** Run the steps' operator-side preparation (peer keys) so the plan holds real values: for `--format sh`. */
  prepare = false,
): Promise<PlannedStep[]> {
  const access = accessOf(target, facts);
  let v: Record<string, unknown> = {...values, target_host: access.host};
  // Derived values first (engine/derive.ts), read together with what the steps will likely ask for.
  let cache: ReadCache | undefined;
  const derivations = pendingDerivations(steps, v);
  if (derivations.length) {
    const first = await readFirst(target, facts, steps, v, derivationReads(derivations), steps.length);
    cache = first;
    v = applyDerivations(derivations, v, facts, first.data);
  }
  checkAllParams(steps, v, facts);
  if (prepare) for (const s of steps) if (s.prepare) v = {...v, ...(await s.prepare(v, facts, access))};
  const withParams = steps.map((step) => ({step, params: step.params(v, facts)}));
  const probe = await probeSteps(target, facts, withParams, cache);
  // Each step is planned on the facts as the steps before it leave them (a moved SSH port, say), and a
  // refused step is not counted as done: apply would stop there.
  const out: PlannedStep[] = [];
  const done: string[] = [];
  let f = facts;
  for (const {step} of withParams) {
    const params = f === facts ? withParams[out.length]?.params : step.params(v, f);
    const planned = planStep(step, {facts: f, params, probe, access, done: [...done], dryRun: true});
    out.push(planned);
    if (isRefused(planned.plan)) continue;
    done.push(step.id);
    if (step.assume && planned.plan.actions.length) f = step.assume(f, params, planned.plan);
  }
  return out;
}

/**
 * The operator's answer to a planned step: go, stop, skip it (nothing of it changes, the run goes on;
 * a later step that needs it refuses by itself), or plan it again with these recipe values.
 */
export type ConfirmAnswer = boolean | 'skip' | {values: Record<string, unknown>};

/** Thrown when a step was rolled back; `restored`: the target is known to be as it was before the step. */
export class RolledBackError extends RunError {
  constructor(
    message: string,
    readonly restored: boolean,
  ) {
    super(message);
  }
}

/** Appends to the run's local journal copy; `has`: whether this run already wrote that very entry. */
interface Recorder {
  (entries: JournalEntry[]): void;
  has(e: JournalEntry): boolean;
}

export interface ApplyOptions {
  target: Target;
  facts: Facts;
  steps: readonly Step<unknown>[];
  values: Record<string, unknown>;
  runId: string;
  journal: LocalJournal;
  events: EventSink;
  /**
   * Asked before a step with changes runs; false stops the run before the step. `{values}` are edited
   * recipe values (already validated): they are merged into the run's values (later steps see them too)
   * and the same step is planned again and asked about again.
   */
  confirm: (p: PlannedStep) => Promise<ConfirmAnswer>;
  /**
   * Asked when a step cannot plan for want of values its findings name (`needs`): resolves with them
   * (already validated; merged into the run's values like edited ones, never journaled), or undefined to
   * refuse the step as without it. Unset (headless): the step is refused with its findings.
   */
  provide?: (p: PlannedStep, needs: readonly string[]) => Promise<Record<string, unknown> | undefined>;
  /**
   * Asked when a step was rolled back and everything it changed is restored: true to plan it again and
   * ask again, `{values}` to do so with these values (another port), 'skip' to go on without it, false to
   * stop (the default without it).
   */
  recover?: (p: PlannedStep, reason: string) => Promise<ConfirmAnswer>;
  until?: string;
  /**
   * Checked between steps only (before a step is probed, and again before it is confirmed): once aborted,
   * the run stops there. A step in flight is never cut short: it finishes or rolls back first.
   */
  signal?: AbortSignal;
  /** Take the per-server lock (default true); break a stale one left by a killed run. */
  lock?: boolean;
  breakLock?: boolean;
  /**
   * Start the run's package installs at once in the background on the target (ahead.ts): `install` when
   * the whole run is consented up front (--yes), `download` when each step is still to be consented.
   */
  ahead?: AheadMode;
  /** Operator-side effects the engine may need (bringing a tunnel up for a proof). */
  operator?: {connectTunnel(confPath: string, iface: string): Promise<void>};
}

export interface ApplyResult {
  changed: number;
  /** Files written on the operator's machine (client configs). Never key material itself. */
  artifacts: string[];
  steps: {
    id: string;
    status: 'compliant' | 'applied' | 'rolled-back' | 'failed' | 'skipped';
    ms: number;
    changed: number;
  }[];
  facts: Facts;
}

/**
 * Applies the runbook step by step. For each step: probe, plan (pure), confirm, then execute the plan
 * in segments split at proofs. Before the first change the step's touched files are copied aside on the
 * target and a rollback script is written; any failure or failed proof runs it at once, and a lockout
 * step's dead-man timer runs it if the wizard disappears. After a step, facts are re-read and the step
 * must plan nothing (idempotence is checked, not assumed).
 */
export async function applyRunbook(o: ApplyOptions): Promise<ApplyResult> {
  const release = o.lock === false ? async () => {} : await acquireLock(o.target, o.runId, o.breakLock === true);
  try {
    return await applyUnlocked({...o, events: escapedEvents(o.events)});
  } finally {
    await release().catch(() => undefined);
  }
}

async function applyUnlocked(o: ApplyOptions): Promise<ApplyResult> {
  let facts = o.facts;
  const result: ApplyResult = {changed: 0, artifacts: [], steps: [], facts};
  let values: Record<string, unknown> = {...o.values, target_host: o.target.host};
  // What the last read of the target brought back, until the target changes (a step runs, packages land).
  let cache: ReadCache | undefined;
  const keep = (c: ReadCache) => {
    cache = c;
  };
  // Every value resolved before the first step (engine/derive.ts): the derived ones from one read, shared
  // with the first step's probe; then every step's parameters checked. A refusal here changed nothing.
  const derivations = pendingDerivations(o.steps, values);
  if (derivations.length) {
    const first = await readFirst(o.target, facts, o.steps, values, derivationReads(derivations), 1);
    cache = first;
    values = applyDerivations(derivations, values, facts, first.data);
  }
  checkAllParams(o.steps, values, facts);
  // What this run wrote to the local copy: entries read back from the target after a lost connection are
  // added only when the copy does not hold them yet (the same entry is the same JSON line on both sides).
  const recorded = new Set<string>();
  const record: Recorder = Object.assign(
    (entries: JournalEntry[]) => {
      for (const e of entries) recorded.add(JSON.stringify(e));
      o.journal.append(entries);
    },
    {has: (e: JournalEntry) => recorded.has(JSON.stringify(e))},
  );
  const begin: JournalEntry = {
    run: o.runId,
    kind: 'run.begin',
    target: o.target.label,
    recipe: String(o.values.recipe ?? ''),
    tool: 'portcullis',
  };
  record([begin]);
  // The target's journal learns how the run came in with its first change (a run that changes nothing
  // leaves no trace there): a later rollback through the tunnel finds the public way in by it.
  let beginOnTarget: JournalEntry | undefined = begin;
  const stopIfAborted = (title: string) => {
    if (!o.signal?.aborted) return;
    record([{run: o.runId, kind: 'run.end', status: 'failed'}]);
    throw new RunError(`stopped by the operator before ${title}; nothing of it was changed`);
  };
  const ahead = new AheadRun(o, facts, values);
  try {
    return await runSteps();
  } catch (e) {
    await ahead.stop();
    throw e;
  }

  async function runSteps(): Promise<ApplyResult> {
    // Steps that succeeded in this run, in order: a later step may require one (close-ports needs verify-tunnel).
    const done: string[] = [];
    for (const [index, step] of o.steps.entries()) {
      stopIfAborted(step.title);
      const started = Date.now();
      const wait = ahead.waitLine(step.id);
      if (wait) {
        facts = await detectFacts(o.target, wait);
        cache = undefined;
      }
      if (step.prepare) values = {...values, ...(await step.prepare(values, facts, accessOf(o.target, facts)))};
      let skipped = false;
      // Again from its plan when the operator retries a step that was rolled back.
      for (;;) {
        // Planned again, and asked again, each time the operator edits the step's values in the review.
        let planned: PlannedStep;
        let answer: ConfirmAnswer = false;
        do {
          const params = step.params(values, facts);
          const probe = await probeSteps(o.target, facts, [{step, params}], cache, keep);
          const access = accessOf(o.target, facts);
          planned = planStep(step, {facts, params, probe, access, done: [...done]});
          o.events({type: 'step.planned', step: planned});
          const blocking = planned.plan.findings.filter((f) => f.level === 'error');
          // Values the operator can give now (the admin's name): asked for, then the step is planned again.
          const needs =
            o.provide && blocking.every((f) => f.needs?.length) ? blocking.flatMap((f) => f.needs ?? []) : [];
          for (const f of planned.plan.findings)
            if (!(needs.length && f.level === 'error')) o.events({type: 'finding', id: step.id, finding: f});
          if (needs.length && o.provide) {
            stopIfAborted(step.title);
            const given = await o.provide(planned, [...new Set(needs)]);
            if (given) {
              values = {...values, ...given};
              answer = {values: given};
              continue;
            }
            for (const f of blocking) o.events({type: 'finding', id: step.id, finding: f});
          }
          if (blocking.length) {
            const reason = blocking.map((f) => f.message).join('; ');
            o.events({type: 'step.failed', id: step.id, reason});
            record([{run: o.runId, kind: 'run.end', status: 'failed'}]);
            throw new RunError(`${step.title}: refused, nothing was changed: ${reason}`);
          }
          if (planned.plan.actions.length === 0) break;
          stopIfAborted(step.title);
          answer = await o.confirm(planned);
          if (typeof answer === 'object') values = {...values, ...answer.values};
        } while (typeof answer === 'object');
        if (planned.plan.actions.length === 0) {
          o.events({type: 'step.compliant', id: step.id});
          result.steps.push({id: step.id, status: 'compliant', ms: Date.now() - started, changed: 0});
        } else {
          if (answer === 'skip') {
            o.events({type: 'step.skipped', id: step.id});
            result.steps.push({id: step.id, status: 'skipped', ms: Date.now() - started, changed: 0});
            skipped = true;
            break;
          }
          if (!answer) {
            result.steps.push({id: step.id, status: 'skipped', ms: Date.now() - started, changed: 0});
            record([{run: o.runId, kind: 'run.end', status: 'failed'}]);
            throw new RunError(`stopped before ${step.title}: not confirmed; nothing of this step was changed`);
          }
          o.events({type: 'step.start', id: step.id});
          // The step's time is its own: from the operator's yes, not from when it was first shown.
          const applying = Date.now();
          cache = undefined;
          // Once committed, in the same round trip: wait for the next step's packages if they are being
          // installed ahead, read the facts again, and what this step's convergence check and the next step's
          // plan will likely ask for.
          const next = o.until === step.id ? undefined : o.steps[index + 1];
          await ahead.start();
          const reads = likelyReads(step, next, values, facts);
          const changed = countChanges(planned.plan.actions);
          const wait = ahead.waitLine(next?.id);
          // A step that changes nothing (it only proves) leaves the facts as they were, unless packages landed.
          const unchanged = changed === 0 && !wait ? facts : undefined;
          const tail = afterStepScript(wait, reads, !unchanged);
          let tailOut: string | undefined;
          try {
            tailOut = await executeStep({...o, values}, planned, record, tail, beginOnTarget);
          } catch (e) {
            // Restored for sure: the operator may retry it (with other values) or go on without it.
            const next =
              e instanceof RolledBackError && e.restored && o.recover ? await o.recover(planned, e.message) : false;
            if (next === false) throw e;
            beginOnTarget = undefined;
            cache = undefined;
            if (next === 'skip') {
              o.events({type: 'step.skipped', id: step.id});
              result.steps.push({id: step.id, status: 'rolled-back', ms: Date.now() - started, changed: 0});
              skipped = true;
              break;
            }
            if (typeof next === 'object') values = {...values, ...next.values};
            continue;
          }
          beginOnTarget = undefined;
          result.changed += changed;
          // The ways in this step proved stay open: if the run's connection drops, commands go that way.
          for (const a of planned.plan.actions) if (a.kind === 'proof' && !a.service) o.target.follow?.(a.route);
          const after = parseAfterStep(o.target, tailOut, reads, unchanged) ?? {
            facts: await detectFacts(o.target),
            cache: undefined,
          };
          // Read beside the last proof, the step's own timer was still armed; it is disarmed now.
          const own = timerUnit(o.runId, step.id);
          const armed = after.facts.portcullis.armedTimers;
          if (armed.some((t) => t.startsWith(own)))
            after.facts = {
              ...after.facts,
              portcullis: {...after.facts.portcullis, armedTimers: armed.filter((t) => !t.startsWith(own))},
            };
          facts = after.facts;
          cache = after.cache;
          const p2 = step.params(values, facts);
          const again = planStep(step, {
            facts,
            params: p2,
            probe: await probeSteps(o.target, facts, [{step, params: p2}], cache, keep),
            access: accessOf(o.target, facts),
            done: [...done],
          });
          // Proofs are re-planned every time (they check, they change nothing): only changes count here.
          if (countChanges(again.plan.actions)) {
            o.events({
              type: 'finding',
              id: step.id,
              finding: {
                level: 'warn',
                message: `after applying, ${step.title} still plans ${again.plan.actions.length} change(s): ${again.plan.actions.map(summarize).join('; ')}`,
              },
            });
          }
          o.events({type: 'step.done', id: step.id, changed, ms: Date.now() - applying});
          result.steps.push({id: step.id, status: 'applied', ms: Date.now() - applying, changed});
        }
        break;
      }
      if (skipped) {
        if (o.until && step.id === o.until) break;
        continue;
      }
      done.push(step.id);
      if (step.afterApply) {
        const files = await step.afterApply({
          run: (script) => o.target.run(script),
          facts,
          params: step.params(values, facts),
          access: accessOf(o.target, facts),
        });
        result.artifacts.push(...files);
        for (const path of files) o.events({type: 'artifact', id: step.id, path, kind: step.artifactKind ?? 'file'});
      }
      if (o.until && step.id === o.until) break;
    }
    record([{run: o.runId, kind: 'run.end', status: 'applied'}]);
    result.facts = facts;
    return result;
  }
}

/**
 * Plans the whole run as a dry run (one probe round trip) to learn the packages its steps will install,
 * and starts them in the background on the target. Best effort: if it cannot start, each step installs
 * its own packages as planned.
 */
/**
 * The run's packages-ahead job (ahead.ts), as the run sees it. Planned (read-only, one round trip) at once,
 * beside the first steps; started when the first step is about to change something (a run refused before
 * that leaves no trace), as early as it can: it is the long pole of a run. A step in it is planned only
 * once its packages are in (one half-way through dpkg must not look installed), with facts read then; a
 * step planned before the job started plans its own install, which waits for the job when it runs.
 */
class AheadRun {
  private readonly groups: Promise<AheadGroup[]>;
  private started: Promise<void> | undefined;
  private running = false;
  /** Steps still to wait for (install mode only: downloads change nothing a plan reads). */
  private waitFor = new Set<string>();

  constructor(
    private readonly o: ApplyOptions,
    facts: Facts,
    values: Record<string, unknown>,
  ) {
    const end = o.until ? o.steps.findIndex((s) => s.id === o.until) : -1;
    const steps = end >= 0 ? o.steps.slice(0, end + 1) : o.steps;
    this.groups = o.ahead
      ? planRunbook(o.target, facts, steps, values).then(aheadGroups, () => [])
      : Promise.resolve([]);
  }

  /** Starts the job once; later calls wait for that start. */
  start(): Promise<void> {
    this.started ??= this.groups.then((g) => this.launch(g)).catch(() => undefined);
    return this.started;
  }

  private async launch(groups: readonly AheadGroup[]): Promise<void> {
    const {o} = this;
    if (!o.ahead || !groups.length) return;
    const packages = groups.flatMap((g) => g.packages);
    const r = await o.target.run(aheadStartScript(o.runId, groups, o.ahead));
    if (r.code !== 0 || !r.stdout.includes('started')) return;
    this.running = true;
    o.journal.append([{run: o.runId, kind: 'packages.ahead', mode: o.ahead, packages}]);
    o.events({type: 'packages.ahead', mode: o.ahead, packages});
    if (o.ahead === 'install') this.waitFor = new Set(groups.map((g) => g.step));
  }

  /** The line that waits for a step's packages, the first time that step is asked about; else undefined. */
  waitLine(stepId: string | undefined): string | undefined {
    return stepId && this.waitFor.delete(stepId) ? aheadWaitLine(this.o.runId, stepId) : undefined;
  }

  /** The run stopped or failed: the job finishes the package it is on (never cut dpkg short), then no more. */
  async stop(): Promise<void> {
    await this.started;
    if (this.running)
      await this.o.target.run(aheadStopScript(this.o.runId), {timeoutMs: 10_000}).catch(() => undefined);
  }
}

/** Changes an operator would count: proofs and the timer are the safety net, not changes. */
export function countChanges(actions: readonly Action[]): number {
  return actions.filter((a) => a.kind !== 'proof' && a.kind !== 'timer.arm' && a.kind !== 'timer.disarm').length;
}

/** Every path the actions may change, once each; one a user's action changes is snapshotted and restored as that user. */
function touchedPaths(actions: readonly Action[]): Touched[] {
  const s = new Map<string, Touched>();
  const add = (path: string, as?: string) => {
    const had = s.get(path);
    s.set(path, {path, ...((as ?? had?.as) ? {as: as ?? had?.as} : {})});
  };
  for (const a of actions) {
    if (a.kind === 'file.write' || a.kind === 'file.remove') add(a.path, a.as);
    if ((a.kind === 'run' || a.kind === 'firewall.rule') && a.touches) for (const t of a.touches) add(t);
  }
  return [...s.values()];
}

/**
 * Runs a confirmed step. `tail`: a read-only script run after the step's last segment, in the same round
 * trip, once the step is committed; its output (never shown as the step's output) is returned.
 */
async function executeStep(
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

  const TAIL = '@@PC-TAIL';
  let tailOut: string | undefined;
  const flush = async (withTail?: string) => {
    if (!lines.length) return;
    if (withTail) lines.push(`echo ${TAIL}`, withTail);
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
          if (line === TAIL) inTail = true;
          if (!inTail && !line.startsWith('@@PCJ ')) o.events({type: 'output', id, line});
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
    const at = withTail ? lineAt(r.stdout, TAIL) : -1;
    if (at >= 0) tailOut = r.stdout.slice(at + TAIL.length + 1);
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

async function proveWithRetry(target: Target, a: Extract<Action, {kind: 'proof'}>) {
  // A daemon that was just reloaded may need a moment; a refused or reset connection is retried briefly.
  let res = await target.probe(a.route);
  for (let i = 0; i < 3 && !res.ok && /refused|closed the connection/.test(res.reason); i++) {
    await new Promise((r) => setTimeout(r, 400));
    res = await target.probe(a.route);
  }
  return res;
}

/**
 * Through the tunnel: bring it up on this machine when asked, wait for a fresh handshake of that peer on
 * the server, then log in through it: a fresh ssh to the tunnel address, or, when the operator connects
 * by hand, their own login from the tunnel address seen in sshd's log.
 */
async function proveTunnel(
  o: ApplyOptions,
  id: string,
  t: NonNullable<Extract<Action, {kind: 'proof'}>['tunnel']>,
  route: ProofRoute,
  what: string,
) {
  const started = Date.now();
  const deadline = started + t.timeoutS * 1000;
  if (t.connect) {
    if (!o.operator)
      return {ok: false as const, ms: 0, reason: 'this run cannot bring a tunnel up on the operator machine'};
    try {
      await o.operator.connectTunnel(t.confPath, t.localIface);
    } catch (e) {
      return {ok: false as const, ms: Date.now() - started, reason: (e as Error).message};
    }
  }
  const since = Math.floor(started / 1000) - 5;
  // Healthy means a handshake in the last 180 s (sessions live 2-3 minutes), by the server's own clock.
  const handshake = `s=$(( $(date +%s) - 180 )); wg show ${quote(t.iface)} latest-handshakes | awk -v k=${quote(t.publicKey)} -v s="$s" '$1 == k && $2 >= s {f=1} END {exit f ? 0 : 1}'`;
  const fresh = async () => (await o.target.run(handshake)).code === 0;
  let last = 'no handshake yet';
  let seen = false;
  // A stop asked for while waiting ends the wait: the proof fails, so the step rolls back at once (a step
  // with nothing to undo just stops) instead of holding the operator until the deadline.
  const stopped = () => o.signal?.aborted === true;
  // One abort listener at a time: each pause removes its own when it ends (a long wait must not pile
  // them up on the run's signal).
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer: {t?: ReturnType<typeof setTimeout>} = {};
      const done = () => {
        clearTimeout(timer.t);
        o.signal?.removeEventListener('abort', done);
        resolve();
      };
      timer.t = setTimeout(done, ms);
      o.signal?.addEventListener('abort', done, {once: true});
    });
  while (Date.now() < deadline) {
    if (stopped())
      return {ok: false as const, ms: Date.now() - started, reason: 'stopped by the operator while waiting'};
    if (t.connect || t.up) {
      // The login attempt itself sends traffic into the tunnel, which starts the handshake.
      const left = Math.max(2, Math.min(8, Math.floor((deadline - Date.now()) / 1000)));
      const r = await o.target.probe({...route, timeoutS: left});
      if (r.ok && (await fresh())) return {ok: true as const, ms: Date.now() - started};
      if (!r.ok) last = r.reason;
    } else {
      const login = `journalctl -q --no-pager -o cat --since ${quote(`@${since}`)} _COMM=sshd _COMM=sshd-session 2>/dev/null | grep -q ${quote(`Accepted publickey for ${route.user ?? o.target.user} from ${t.peerAddress} `)}`;
      const shaken = await fresh();
      if (shaken && !seen) {
        seen = true;
        const message = `handshake seen, now log in through the tunnel: ${o.target.describeRoute(route)}`;
        o.events({type: 'proof.progress', id, what, stage: 'handshake', message});
      }
      if (shaken && (await o.target.run(login)).code === 0) return {ok: true as const, ms: Date.now() - started};
      await pause(1000);
    }
  }
  const hs = (await fresh()) ? 'the handshake came through' : `no handshake from peer ${t.peer} reached the server`;
  return {
    ok: false as const,
    ms: Date.now() - started,
    reason: `${hs} within ${t.timeoutS} s, and no login through the tunnel (${what}): ${last}; is UDP blocked on the way, or the tunnel not up on your side?`,
  };
}

/** How long the wizard keeps reconnecting after the window's end, only to learn what the target decided. */
export const RECONNECT_GRACE_MS = 90_000;

interface Window {
  /** When the window ends, on this machine's clock (epoch ms). */
  end: number;
  /** The deadline the target fixed (epoch seconds UTC), once known. */
  server?: number;
}

const utc = (epochS: number) => `${new Date(epochS * 1000).toISOString().slice(11, 19)} UTC`;

/**
 * The connection was lost with the step under its timer: reconnects with backoff until the window's end
 * (plus RECONNECT_GRACE_MS to learn the outcome), copies the target's journal entries of this run that the
 * local copy lacks, and reports what the target says. Returns only when the step was committed and the
 * lost segment was the commit (`segment`); otherwise rolls back now if it can, or throws with the outcome.
 */
async function afterLostConnection(
  o: ApplyOptions,
  planned: PlannedStep,
  record: Recorder,
  reason: string,
  w: Window,
  lost: 'segment' | 'rollback',
): Promise<void> {
  const until = w.end + RECONNECT_GRACE_MS;
  const rec = await reconcile({
    target: o.target,
    runId: o.runId,
    stepId: planned.id,
    until,
    alternates: planned.plan.actions.flatMap((a) =>
      a.kind === 'proof' && !a.service && a.route.host && a.route.host !== o.target.host ? [a.route] : [],
    ),
    onRetry: (attempt, waitMs, why) =>
      o.events({type: 'reconnecting', id: planned.id, attempt, waitMs, reason: why, until}),
  });
  record(rec.entries.filter((e) => !record.has(e)));
  const v = rec.verdict;
  switch (v.kind) {
    case 'done':
      if (lost === 'segment') return;
      return rollBack(o, planned, `the connection to the target was lost (${reason})`, record);
    case 'armed':
      return rollBack(
        o,
        planned,
        `the connection to the target was lost (${reason}) while this step was under its dead-man timer`,
        record,
      );
    case 'rolled-back': {
      record([{run: o.runId, kind: 'run.end', status: 'rolled-back'}]);
      const who =
        v.by === 'boot'
          ? 'it was rolled back at boot'
          : v.by === 'timer'
            ? 'its dead-man timer rolled it back'
            : 'it was rolled back';
      const how = `the connection to the target was lost (${reason}); back in touch, the target's journal says ${who}${v.at ? ` (${v.at})` : ''}`;
      o.events({type: 'step.rolled-back', id: planned.id, reason: how});
      throw new RunError(`${planned.title}: ${how}`);
    }
    case 'unreachable': {
      record([{run: o.runId, kind: 'step.rolled-back', step: planned.id, by: 'pending-timer'}]);
      record([{run: o.runId, kind: 'run.end', status: 'rolled-back'}]);
      const when = w.server ? ` at ${utc(w.server)}` : '';
      const how = `the connection to the target was lost (${reason}) and did not come back in time; its dead-man timer restores this step${when}, whether or not this machine is connected (\`portcullis status\` shows it later)`;
      o.events({type: 'step.rolled-back', id: planned.id, reason: how});
      throw new RunError(`${planned.title}: ${how}`);
    }
    default:
      return assertNever(v, 'verdict');
  }
}

async function rollBack(
  o: ApplyOptions,
  planned: PlannedStep,
  reason: string,
  record: Recorder,
  /** Set while the step is under its timer: an unreachable target is then reconnected to (see above). */
  w?: Window,
): Promise<never> {
  const d = stepDir(o.runId, planned.id);
  let restored = false;
  try {
    // No rollback script yet: only a leading package install ran, and packages are not removed. The
    // target's journal still says how the step ended, so it does not stay in doubt.
    const script = quote(`${d}/rollback.sh`);
    const r = await o.target.run(
      `[ -f ${script} ] || { ${rolledBackEntry(o.runId, planned.id, 'failure')}; exit 0; }; /bin/sh ${script} failure`,
      {timeoutMs: 60_000},
    );
    restored = r.code === 0;
  } catch (e) {
    if (w) {
      await afterLostConnection(o, planned, record, `${reason}; then ${(e as Error).message}`, w, 'rollback');
      throw new RunError(`${planned.title}: ${reason}`);
    }
    restored = false;
  }
  record([{run: o.runId, kind: 'step.rolled-back', step: planned.id, by: restored ? 'failure' : 'pending-timer'}]);
  record([{run: o.runId, kind: 'run.end', status: 'rolled-back'}]);
  const how = restored
    ? countChanges(planned.plan.actions) === 0
      ? 'this step changes nothing on the server, so there was nothing to restore'
      : 'everything this step changed has been restored'
    : planned.plan.actions.some((a) => a.kind === 'timer.arm')
      ? 'the target could not be reached to roll back now; its dead-man timer will restore it'
      : 'the target could not be reached to roll back; run `portcullis rollback` when it is reachable';
  o.events({type: 'step.rolled-back', id: planned.id, reason: `${reason}; ${how}`});
  throw new RolledBackError(`${planned.title}: ${reason}; ${how}`, restored);
}
