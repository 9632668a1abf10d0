import {Listr, ListrLogger, ListrLogLevels, ProcessOutput} from 'listr2';
import type {EngineEvent} from '../engine/events.js';
import type {Frontend} from '../engine/frontend.js';
import {aheadLine} from '../present/ahead-line.js';
import {assertNever} from '../util/errors.js';
import {stepOf, type TaskUpdate, taskUpdates} from './task-updates.js';

/** The part of listr2's task wrapper a step's task uses. */
interface Task {
  title: string;
  output: string;
  skip(message?: string): void;
}

/** One step's task: events that arrive before listr2 starts it are queued and replayed. */
class Slot {
  private task?: Task;
  private settle?: {resolve(): void; reject(e: Error): void};
  private readonly queue: (Exclude<TaskUpdate, {kind: 'note'}> | {kind: 'skip'; why: string})[] = [];
  private done = false;
  private closed = false;
  private ticker?: ReturnType<typeof setInterval>;
  private readonly notes: string[] = [];
  private doneTitle?: string;

  constructor(
    readonly title: string,
    private readonly late?: (text: string) => void,
  ) {}

  attach(task: Task): Promise<void> {
    this.task = task;
    return new Promise<void>((resolve, reject) => {
      this.settle = {resolve, reject};
      for (const u of this.queue.splice(0)) this.apply(u);
    });
  }

  /** Updates after the one that ends the task (ok, fail, skip) are dropped, queued or not; notes are kept. */
  push(u: TaskUpdate | {kind: 'skip'; why: string}): void {
    if (u.kind === 'note') {
      this.note(u.text);
      return;
    }
    if (this.closed) return;
    if (u.kind !== 'output') this.closed = true;
    if (!this.task || !this.settle) this.queue.push(u);
    else this.apply(u);
  }

  /** A live countdown in the title, for the redrawing renderer only (plain logs print titles once). */
  countdown(deadline: number, command: string | undefined): void {
    clearInterval(this.ticker);
    const tick = () => {
      if (!this.task || this.done) return;
      const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      this.task.title = `${this.title}: ${left} s left on the dead-man timer${command ? ` (try: ${command})` : ''}`;
    };
    this.ticker = setInterval(tick, 1000);
    tick();
  }

  /**
   * Added to the title, also after the task settled (its files come after it is done). A settled task
   * no longer reports changes to the renderer: the redrawing one still draws its new title, the simple
   * one printed it already, so `late` prints the line.
   */
  private note(text: string): void {
    this.notes.push(text);
    if (!this.task || !this.done) return;
    this.task.title = this.titled();
    this.late?.(text);
  }

  private titled(): string {
    return [this.doneTitle ?? this.title, ...this.notes].join('; ');
  }

  get settled(): boolean {
    return this.closed;
  }

  get started(): boolean {
    return this.task !== undefined;
  }

  private apply(u: Exclude<TaskUpdate, {kind: 'note'}> | {kind: 'skip'; why: string}): void {
    const task = this.task as Task;
    const settle = this.settle as {resolve(): void; reject(e: Error): void};
    switch (u.kind) {
      case 'output':
        task.output = u.text;
        return;
      case 'ok':
        this.finish();
        this.doneTitle = u.title;
        task.title = this.titled();
        settle.resolve();
        return;
      case 'skip':
        this.finish();
        task.skip(u.why);
        settle.resolve();
        return;
      case 'fail':
        this.finish();
        task.title = this.title;
        settle.reject(new Error(u.message));
        return;
      default:
        assertNever(u, 'kind');
    }
  }

  private finish(): void {
    this.done = true;
    clearInterval(this.ticker);
  }
}

/**
 * Headless progress with listr2, driven by the engine's events: one task per step, output as it comes,
 * never a question (consent is given by --yes). Everything goes to stderr, so stdout stays free for --json.
 * `default` redraws on a terminal; `simple` prints one line per change for logs and pipes.
 */
export function listrFrontend(o: {
  steps: readonly {id: string; title: string}[];
  renderer: 'default' | 'simple';
}): Frontend {
  const logger = new ListrLogger({useIcons: true, processOutput: new ProcessOutput(process.stderr, process.stderr)});
  const late = o.renderer === 'simple' ? (text: string) => logger.log(ListrLogLevels.OUTPUT, text) : undefined;
  const slots = new Map(o.steps.map((s) => [s.id, new Slot(s.title, late)]));
  let run: Promise<void> | undefined;
  let lastProof: string | undefined;

  const events = (e: EngineEvent): void => {
    if (e.type === 'facts') {
      process.stderr.write(`found ${e.summary}\n`);
      return;
    }
    if (e.type === 'packages.ahead') {
      logger.log(ListrLogLevels.OUTPUT, aheadLine(e));
      return;
    }
    const id = stepOf(e);
    const slot = id ? slots.get(id) : undefined;
    if (!slot) return;
    if (e.type === 'proof.start') lastProof = e.command;
    if (o.renderer === 'default' && (e.type === 'timer.armed' || e.type === 'timer.deadline'))
      slot.countdown(e.deadline, undefined);
    if (o.renderer === 'default' && e.type === 'proof.start' && e.deadline) slot.countdown(e.deadline, lastProof);
    for (const u of taskUpdates(e, slot.title)) slot.push(u);
  };

  return {
    showsSummary: false,
    connecting() {},
    async ready() {
      const listr = new Listr(
        o.steps.map((s) => ({
          title: s.title,
          task: (_: unknown, task: Task) => (slots.get(s.id) as Slot).attach(task),
          rendererOptions: {outputBar: 8, persistentOutput: false},
        })),
        {
          concurrent: false,
          exitOnError: true,
          // listr's own SIGINT handler exits at once (127): the run's handler stops after the step in flight.
          registerSignalListeners: false,
          renderer: o.renderer,
          fallbackRendererCondition: () => false,
          rendererOptions: {logger, collapseErrors: false},
        },
      );
      run = listr.run().then(
        () => undefined,
        () => undefined,
      );
      return true;
    },
    events,
    confirm: async () => true,
    async finish(end) {
      const why = end.error ? 'not run: the run stopped before it' : 'not run: the run ended before it';
      for (const slot of slots.values()) {
        if (slot.settled) continue;
        if (slot.started && end.error)
          slot.push({kind: 'fail', message: end.error instanceof Error ? end.error.message : String(end.error)});
        else slot.push({kind: 'skip', why});
      }
      await run;
    },
  };
}
