import type {ArtifactKind, Finding, PlannedStep, Step} from '../core/types.js';
import {assertNever} from '../util/errors.js';
import {printable} from '../util/terminal.js';

/** Everything the engine tells a UI. The engine never imports a UI; UIs subscribe to these. */
export type EngineEvent =
  | {type: 'facts'; summary: string}
  /**
   * The values a step is about to be planned with (each time it is planned: edited or provided values plan
   * it again): its own parameters as its `params` selected them, and the run's values and facts they came from.
   */
  | {type: 'values'; id: string; params: unknown; values: StepValues; facts: StepFacts}
  | {type: 'step.planned'; step: PlannedStep}
  /** The run's package installs started in the background on the target (see ahead.ts). */
  | {type: 'packages.ahead'; mode: 'install' | 'download'; packages: string[]}
  | {type: 'step.start'; id: string}
  | {type: 'action.start'; id: string; index: number; summary: string}
  | {type: 'output'; id: string; line: string}
  | {type: 'timer.armed'; id: string; seconds: number; deadline: number}
  /**
   * The deadline as the target fixed it (`server`, epoch seconds UTC) and that moment on this machine's
   * clock (`deadline`, epoch ms): the countdown runs to it, not to this machine's own estimate.
   */
  | {type: 'timer.deadline'; id: string; deadline: number; server: number}
  /**
   * The connection to the target was lost with a step armed: reconnecting, attempt `attempt`, next try in
   * `waitMs`; `until` (epoch ms) is when it gives up (the window's end plus time to learn what happened).
   */
  | {type: 'reconnecting'; id: string; attempt: number; waitMs: number; reason: string; until: number}
  | {type: 'proof.start'; id: string; what: string; command: string; deadline?: number; tunnel?: ProofTunnel}
  /** A proof under way reached a stage the operator acts on (the tunnel's handshake came through). */
  | {type: 'proof.progress'; id: string; what: string; stage: 'handshake'; message: string}
  | {type: 'proof.ok'; id: string; what: string; ms: number}
  | {type: 'proof.failed'; id: string; what: string; reason: string}
  | {type: 'step.compliant'; id: string}
  /** The operator chose to go on without this step: nothing of it is changed (or it was rolled back). */
  | {type: 'step.skipped'; id: string}
  | {type: 'step.done'; id: string; changed: number; ms: number}
  | {type: 'step.rolled-back'; id: string; reason: string}
  | {type: 'step.failed'; id: string; reason: string}
  | {type: 'finding'; id: string; finding: Finding}
  /**
   * A file the step's afterApply wrote on the operator's machine (a path only: never its content). The
   * engine waits for what a sink returns for it before it goes on (the wizard draws a client config's QR
   * code first, so it is printed under its step).
   */
  | {type: 'artifact'; id: string; path: string; kind: ArtifactKind};

/** The run's values and facts, as every step's `params` is given them. */
type StepValues = Parameters<Step<unknown>['params']>[0];
type StepFacts = Parameters<Step<unknown>['params']>[1];

/** A proof through the WireGuard tunnel, as a UI shows the wait for it. */
export interface ProofTunnel {
  /** The operator's client config (0600) that brings the tunnel up. */
  confPath: string;
  /** The wg-quick interface name this machine uses for it (the file name may be too long for one). */
  localIface: string;
  /** True: this run brings the tunnel up itself (--connect-tunnel); false: the operator does, from a device. */
  connect: boolean;
  /** Epoch ms when the proof gives up waiting. */
  deadline: number;
}

/**
 * Told every event. What it returns is ignored, except for an `artifact` event: a promise returned for one
 * is awaited before the run goes on.
 */
export type EventSink = (e: EngineEvent) => unknown;

/**
 * A sink that shows the target's words with control characters escaped: command output, failure and
 * rollback reasons (they quote the target's stderr) and findings. Paths and plans pass as they are
 * (plans carry their own escaped diffs).
 */
export function escapedEvents(sink: EventSink): EventSink {
  return (e) => {
    switch (e.type) {
      case 'output':
        return sink({...e, line: printable(e.line)});
      case 'proof.failed':
      case 'step.failed':
      case 'step.rolled-back':
      // Why the target could not be reached may quote what it printed (its stderr).
      case 'reconnecting':
        return sink({...e, reason: printable(e.reason)});
      case 'proof.progress':
        return sink({...e, message: printable(e.message)});
      case 'facts':
        return sink({...e, summary: printable(e.summary)});
      case 'finding':
        return sink({...e, finding: {...e.finding, message: printable(e.finding.message)}});
      // Portcullis's own words, paths and plans (a plan's findings and diffs are escaped when it is made).
      case 'values':
      case 'step.planned':
      case 'packages.ahead':
      case 'step.start':
      case 'action.start':
      case 'timer.armed':
      case 'timer.deadline':
      case 'proof.start':
      case 'proof.ok':
      case 'step.compliant':
      case 'step.skipped':
      case 'step.done':
      case 'artifact':
        return sink(e);
      default:
        return assertNever(e, 'event');
    }
  };
}
