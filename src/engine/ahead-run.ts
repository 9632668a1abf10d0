import type {Facts} from '../core/facts.js';
import type {RunValues} from '../core/values.js';
import {type AheadGroup, aheadGroups, aheadStartScript, aheadStopScript} from './ahead.js';
import type {ApplyOptions} from './apply-options.js';
import {planRunbook} from './plan.js';
import {aheadWaitLine} from './scripts.js';

/**
 * The run's packages-ahead job (ahead.ts), as the run sees it. Planned (read-only, one round trip) at once,
 * beside the first steps; started when the first step is about to change something (a run refused before
 * that leaves no trace), as early as it can: it is the long pole of a run. A step in it is planned only
 * once its packages are in (one half-way through dpkg must not look installed), with facts read then; a
 * step planned before the job started plans its own install, which waits for the job when it runs.
 */
export class AheadRun {
  private readonly groups: Promise<AheadGroup[]>;
  private started: Promise<void> | undefined;
  private running = false;
  /** Steps still to wait for (install mode only: downloads change nothing a plan reads). */
  private waitFor = new Set<string>();

  constructor(
    private readonly o: ApplyOptions,
    facts: Facts,
    /** The run's values, derived ones included (no second derivation read). */
    values: RunValues,
  ) {
    const end = o.until ? o.steps.findIndex((s) => s.id === o.until) : -1;
    const steps = end >= 0 ? o.steps.slice(0, end + 1) : o.steps;
    this.groups = o.ahead
      ? planRunbook(o.target, facts, steps, values, {settings: o.settings}).then(aheadGroups, () => [])
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
