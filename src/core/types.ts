import type {ProofRoute} from '../target/types.js';
import type {Facts, InitSystem, PackageManager} from './facts.js';
import type {GivenValues, Prepared, RunContext, RunSettings, RunValues, ValueKey} from './values.js';

/**
 * The closed vocabulary of changes. A plan is a list of these; apply executes exactly this list, and a
 * dry-run prints exactly this list. Every kind compiles to shell lines in engine/compile.ts.
 */
export type Action =
  | {
      kind: 'file.write';
      path: string;
      content: string;
      mode: number;
      owner?: string;
      secret?: boolean;
      validate?: readonly string[];
      /** Written as this user, never as root: the path is in a directory the user controls (engine/as-user.ts). */
      as?: string;
    }
  | {
      kind: 'file.remove';
      path: string;
      /** Removed as this user (see file.write). */
      as?: string;
    }
  | {
      kind: 'run';
      argv: readonly string[];
      label: string;
      touches?: readonly string[];
      /** The command carries a secret: a shown plan says so instead of showing it. */
      secret?: boolean;
      /** Fed to the command's stdin by the script itself (the shell's printf builtin): never in any argv. */
      stdin?: string;
      /** Runs as this user, never as root (see file.write). */
      as?: string;
    }
  | {kind: 'service'; op: ServiceOp; unit: string; init: InitSystem}
  | {kind: 'package.install'; manager: PackageManager; packages: readonly string[]}
  | {kind: 'firewall.rule'; backend: string; rule: string; argv: readonly string[]; touches?: readonly string[]}
  | {kind: 'timer.arm'; seconds: number}
  | {kind: 'timer.disarm'}
  | {kind: 'proof'; route: ProofRoute; what: string; tunnel?: TunnelProof; service?: ServiceProof};

/**
 * A service's own proof (the "prove, then keep" rule for the agent's units): the unit is active on the
 * target, and from this machine a fresh TCP connection to host:port opens, or an HTTP GET of `path`
 * there answers below 400. `host` is the server's tunnel address when there is a tunnel, so the service
 * is proven the way the operator reaches it.
 */
export interface ServiceProof {
  unit: string;
  host: string;
  /** Unset: being active, and still active a moment later, is the whole proof. */
  port?: number;
  /** HTTP path to GET; unset: a TCP connect is the health check. */
  path?: string;
  timeoutS: number;
}

/** A proof through the WireGuard tunnel: a fresh handshake for the peer on the server, then a login through it. */
export interface TunnelProof {
  iface: string;
  peer: string;
  peerAddress: string;
  publicKey: string;
  /** Operator-side config to bring up when `connect` (headless --connect-tunnel), and its interface name here. */
  confPath: string;
  localIface: string;
  connect: boolean;
  /** The tunnel is up on this machine already (the run itself came through it): log in through it, bring up nothing. */
  up?: boolean;
  timeoutS: number;
}

/**
 * What the files an afterApply returns are: WireGuard client configs (they hold a peer's private key:
 * a UI may show them as a QR code on screen, never in logs, --json or the journal) or other files.
 */
export type ArtifactKind = 'client-config' | 'file';

/** `enable`: at boot only, started by a later op (`restart`) so the daemon starts once. */
export type ServiceOp = 'reload' | 'restart' | 'enable' | 'enable-now' | 'start' | 'daemon-reload' | 'restart-socket';

export type Risk = 'safe' | 'reversible' | 'lockout';

export interface Finding {
  level: 'info' | 'warn' | 'error';
  message: string;
  fix?: string;
  /**
   * Recipe values that, once given, let the step plan (an error finding only): an interactive run may ask
   * the operator for them and plan the step again instead of refusing it.
   */
  needs?: readonly string[];
}

/** What one step will do. `actions: []` means the host already complies. Error findings block the step. */
export interface StepPlan {
  actions: Action[];
  findings: Finding[];
  /** Run after the before-images are restored (reload what changed), by the timer, a failed proof or `rollback`. */
  onRollback: RollbackAction[];
}

/**
 * The closed vocabulary of a step's undo beyond its files: what its rollback runs once the before-images
 * are restored (services back on their restored files, what files cannot take back). The engine compiles
 * each to one line of the step's rollback.sh (engine/compile-rollback.ts); its output goes to rollback.log.
 */
export type RollbackAction =
  /** A service put back the init system's way (as the `service` action is applied). */
  | ({kind: 'service'; op: RollbackServiceOp; unit: string; init: InitSystem; resetFailed?: boolean} & Tolerance)
  /** sshd checked (`sshd -t`) and reloaded on its restored configuration; `socket`: under systemd socket activation. */
  | {kind: 'sshd.reload'; unit: string; init: InitSystem; socket: boolean}
  /** A command (its words quoted); `ifPresent`: only when its program is there (a script the restore may remove). */
  | ({kind: 'run'; argv: readonly string[]; ifPresent?: boolean} & Tolerance)
  | {kind: 'file.remove'; path: string}
  /** A network interface deleted, when it is there. */
  | {kind: 'link.remove'; iface: string}
  /**
   * An account this run created, removed. `home`: a login account, removed with its home, its processes
   * (a login a cut connection left) ended first unless the rollback itself rides the account (SUDO_USER).
   */
  | {kind: 'user.remove'; user: string; home: boolean}
  /** The home this run made for `user`, removed unless the restored account files still have the account. */
  | {kind: 'home.remove'; user: string; path: string}
  /** The pf reference this run took (its token in `token`), released: pf goes off unless another holder keeps it. */
  | {kind: 'pf.release'; token: string}
  /** Several on one line, each run whatever the one before did. */
  | {kind: 'sequence'; actions: readonly RollbackAction[]};

/**
 * `reload-or-restart`: a reload, else a restart. `disable`: at boot only. `remove`: a service this run
 * added, stopped and taken out of the init system's records, its file possibly already gone.
 */
export type RollbackServiceOp =
  | 'restart'
  | 'try-restart'
  | 'stop'
  | 'reload-or-restart'
  | 'disable'
  | 'disable-now'
  | 'remove'
  | 'daemon-reload';

/** How a rollback line takes failure: its output thrown away (`quiet`), its exit code ignored (`orTrue`). */
export interface Tolerance {
  quiet?: 'stderr' | 'all';
  orTrue?: boolean;
}

export interface ProbeRequest {
  files?: readonly string[];
  /** name -> read-only command line (compiled shell). */
  queries?: Record<string, string>;
}

export interface FileState {
  exists: boolean;
  content?: string;
  mode?: number;
}

export interface ProbeData {
  files: Record<string, FileState>;
  queries: Record<string, {code: number; out: string}>;
}

/**
 * A step's planned effects for the steps after it in a dry run: the facts as it leaves them, and the
 * probe's answers it changes (files it writes, queries whose answers change), over what was read.
 */
export interface Assumed {
  facts: Facts;
  probe?: Partial<ProbeData>;
}

/** The run's own way in: who logs in where, over SSH or on this machine. */
export interface Access {
  user: string;
  host: string;
  port: number;
  kind: 'ssh' | 'local';
}

export interface StepContext<P> {
  facts: Facts;
  params: P;
  probe: ProbeData;
  /** The run's own way in, for proofs and for rules that must keep it open. */
  access: Access;
  /**
   * Ids of the steps before this one that succeeded in this run (applied, proven, or already compliant),
   * so a step can require a checkpoint of the same run. In a dry run: the steps planned before it,
   * assumed to succeed. Unset: nothing is known to have run.
   */
  done?: readonly string[];
  /**
   * A dry run: the steps in `done` have not really run; facts and probe are the host as their plans leave
   * it (`Step.assume`). How the run will be applied (headless, guided) is not known yet.
   */
  dryRun?: boolean;
}

/**
 * A recipe value a step fills in when the recipe, answers and `--set` leave it unset, resolved once before
 * the first step of a run (engine/derive.ts), so every step, earlier ones included, sees the same value.
 */
export interface Derivation<K extends ValueKey = ValueKey> {
  /** The recipe value it fills in. */
  key: K;
  /** What it reads on the target (merged into the run's first read: no extra round trip). */
  reads?: ProbeRequest;
  /** The value; undefined leaves it unset. Throws InputError when it cannot be derived. */
  derive(o: {values: RunValues; facts: Facts; probe: ProbeData}): GivenValues[K];
}

/** A runbook step: probe is read-only, plan is pure, verify reads only. */
export interface Step<P = unknown> {
  readonly id: string;
  readonly title: string;
  /** One or two sentences: why an operator wants this (drawn from the seeds). */
  readonly why: string;
  readonly risk: Risk;
  /** How the step is undone, in the operator's words. */
  readonly undo: string;
  /** Values this step owns whose default depends on the target, resolved before the run's first step. */
  readonly derives?: readonly Derivation[];
  /**
   * Steps that must have succeeded earlier in the same run for this one to be safe (it refuses otherwise):
   * a step a later one requires is never offered to be skipped.
   */
  readonly requires?: readonly string[];
  /**
   * The step's parameters, selected from the run's resolved values (defaults filled in, checked before
   * connecting), the facts and the run's context: pure, no I/O, no validation (the resolver did it).
   */
  params(values: RunValues, facts: Facts, run: RunContext): P;
  probe(facts: Facts, params: P): ProbeRequest;
  /** What a fresh host of the profile's platform shows for this probe (offline plans). */
  offline?(facts: Facts, params: P): Partial<ProbeData>;
  plan(ctx: StepContext<P>): StepPlan;
  /**
   * Dry runs only: the host as this step leaves it once its plan is applied (given the context it was
   * planned in, and the plan), so the steps after it are planned on it; apply reads the host again instead.
   * Unset: the step changes nothing later steps read.
   */
  assume?(ctx: StepContext<P>, plan: StepPlan): Assumed;
  /**
   * Operator-side preparation (engine/prepare.ts): what the step's params need from this machine (peer
   * keys), loaded once the facts are known and before planning. `create`: an apply (or an exported
   * script) may create what is missing; a plan only reads. Throws InputError to refuse the run there.
   */
  prepare?(o: {
    values: RunValues;
    facts: Facts;
    settings: RunSettings;
    prepared: Prepared;
    create: boolean;
  }): Partial<Prepared>;
  /** Values only `prepare` reads (`recipes show` and completion list what params and prepare read). */
  readonly prepareReads?: readonly ValueKey[];
  /** What afterApply's files are (default 'file'). */
  readonly artifactKind?: ArtifactKind;
  /** Operator-side work after the step is applied or found compliant (e.g. client configs); returns file paths. */
  afterApply?(o: {
    run: (script: string) => Promise<{code: number; stdout: string}>;
    facts: Facts;
    params: P;
    access: StepContext<P>['access'];
  }): Promise<string[]>;
}

/** A plan with an error finding: the step is refused (apply stops there, changing nothing of it). */
export function isRefused(plan: StepPlan): boolean {
  return plan.findings.some((f) => f.level === 'error');
}

export interface PlannedStep {
  id: string;
  title: string;
  why: string;
  risk: Risk;
  undo: string;
  plan: StepPlan;
  /** Unified diff for each file action, aligned with plan.actions (undefined for other kinds). */
  diffs: (string | undefined)[];
}
