import type {Action, Finding, RollbackAction, Step} from '../src/core/types.js';
import {type HealthParams, healthOf, serviceProof, tunnelOf} from '../src/units/health.js';
import {
  ipSlot,
  leftOut,
  NOT_TRIED,
  OUTBOUND_WHY,
  type Outcome,
  parseExposure,
  recordedOutcome,
  renderDropIn,
  SLOTS,
  type Slot,
} from '../src/units/sandbox-drop-in.js';
import {trialScript} from '../src/units/trial-script.js';
import {quote} from '../src/util/shell.js';
import {unitShow} from './service-user.js';
import {WG_CONF} from './wireguard.js';

export interface HardenParams {
  units: string[];
  /** 'outbound' (default): no IP allow-list; 'tunnel-only': loopback and the tunnel, nothing else. */
  network: 'outbound' | 'tunnel-only';
  /** The agent's unit (service_unit), the one the health check is for. */
  agent?: string;
  health: HealthParams;
  timeout: number;
}

export const sandboxDropIn = (unit: string) => `/etc/systemd/system/${unit}.d/70-portcullis-sandbox.conf`;

/** The catalogue for this run: the IP allow-list only when the recipe says the unit needs no outbound traffic. */
export function slotsFor(p: HardenParams, tunnelSubnet: string | undefined): Slot[] {
  return p.network === 'tunnel-only' ? [...SLOTS, ipSlot(tunnelSubnet)] : [...SLOTS];
}

const key = (i: number, what: string) => `harden_${what}_${i}`;

/** The tunnel network for the estimate only (the probe is asked before the server's config is read). */
const TUNNEL_GUESS = '10.66.0.0/24';

const firstOfEach = (slots: readonly Slot[]): Outcome => ({
  kept: slots.flatMap((s) => (s.alternatives[0] ? [s.alternatives[0]] : [])),
  failed: [],
});

/**
 * The exposure the unit would have if it kept every directive: systemd-analyze's offline review of a copy
 * of the unit, its other drop-ins and the candidate, in a scratch root it removes (nothing else is written).
 */
function afterScore(unit: string, candidate: string): string {
  const u = quote(unit);
  return [
    `d=$(mktemp -d) || exit 1; s="$d/etc/systemd/system"; mkdir -p "$s/"${u}.d`,
    `cp -- "$(systemctl show -p FragmentPath --value ${u})" "$s/"${u} || { rm -rf "$d"; exit 1; }`,
    `for f in $(systemctl show -p DropInPaths --value ${u}); do case "$f" in */70-portcullis-sandbox.conf) ;; *) cp -- "$f" "$s/"${u}.d/ ;; esac; done`,
    `printf '%s' ${quote(candidate)} > "$s/"${u}.d/70-portcullis-sandbox.conf`,
    `systemd-analyze security --offline=true --root="$d" --no-pager ${u} 2>&1 | tail -n 1; rm -rf "$d"`,
  ].join('\n');
}

export const hardenUnits: Step<HardenParams> = {
  id: 'harden-units',
  title: "Sandbox the agent's units",
  why: "A hijacked agent can do what its unit lets it: a read-only system, no other users' homes, no new privileges, no kernel knobs, only the sockets it needs. Each directive is kept only if the unit still runs and answers with it.",
  risk: 'reversible',
  undo: 'Each unit’s sandboxing drop-in is restored (or removed) and the unit restarted as it was.',
  params: (values) => ({
    units: values.harden_units,
    network: values.harden_network,
    agent: values.service_unit,
    health: healthOf(values),
    timeout: values.confirm_timeout,
  }),
  probe: (_facts, p) => {
    const queries: Record<string, string> = {};
    p.units.forEach((u, i) => {
      queries[key(i, 'show')] = `systemctl show -p LoadState,ActiveState,NeedDaemonReload ${quote(u)}`;
      queries[key(i, 'score')] = `systemd-analyze security --no-pager ${quote(u)} 2>&1 | tail -n 1`;
      queries[key(i, 'after')] = afterScore(
        u,
        renderDropIn(firstOfEach(slotsFor(p, p.network === 'tunnel-only' ? TUNNEL_GUESS : undefined))),
      );
    });
    return {files: [WG_CONF, ...p.units.map(sandboxDropIn)], queries};
  },
  offline: (_facts, p) => {
    const queries: Record<string, {code: number; out: string}> = {};
    // The exposure is the server's to say: an offline plan says it does not know it.
    p.units.forEach((_u, i) => {
      queries[key(i, 'show')] = {code: 0, out: 'LoadState=loaded\nActiveState=active\nNeedDaemonReload=no'};
    });
    return {queries};
  },
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    const actions: Action[] = [];
    if (!p.units.length) {
      findings.push({level: 'info', message: 'no units named: --set harden_units=NAME.service to sandbox them'});
      return {actions, findings, onRollback: []};
    }
    if (facts.init !== 'systemd') {
      findings.push({level: 'info', message: 'sandboxing drop-ins need systemd; not offered here'});
      return {actions, findings, onRollback: []};
    }
    const tunnel = tunnelOf(probe.files[WG_CONF]);
    if (p.network === 'tunnel-only' && !tunnel)
      findings.push({
        level: 'warn',
        message: 'harden_network=tunnel-only without a tunnel on this server: the units answer on loopback only',
      });
    const slots = slotsFor(p, tunnel?.subnet);
    const notTried = [...NOT_TRIED, ...(p.network === 'outbound' ? [{name: 'IPAddressDeny', why: OUTBOUND_WHY}] : [])];
    findings.push({
      level: 'info',
      message: `not tried: ${notTried.map((n) => `${n.name} (${n.why})`).join('; ')}`,
    });
    // Every unit tried is running now (others are refused), and running again after a rollback.
    const changed: string[] = [];
    p.units.forEach((unit, i) => {
      const show = unitShow(probe.queries[key(i, 'show')]?.out);
      if (show.LoadState !== 'loaded') {
        findings.push({
          level: 'error',
          message: `${unit} is not a unit on this server (${show.LoadState || 'not found'})`,
        });
        return;
      }
      const score = parseExposure(probe.queries[key(i, 'score')]?.out ?? '');
      const now = score
        ? `${score.score} ${score.level}`
        : 'unknown (systemd-analyze security said nothing, or this plan is offline)';
      const after = parseExposure(probe.queries[key(i, 'after')]?.out ?? '');
      const outcome = recordedOutcome(probe.files[sandboxDropIn(unit)]?.content, slots);
      const running = show.ActiveState === 'active' && show.NeedDaemonReload === 'no';
      if (outcome && running) {
        const out = leftOut(outcome, slots);
        findings.push({
          level: out.length || outcome.failed.length ? 'warn' : 'info',
          message: `${unit}: exposure ${now} with its sandboxing drop-in${outcome.failed.length ? `; it failed with (left out): ${outcome.failed.join(', ')}` : ''}`,
        });
        return;
      }
      if (show.ActiveState !== 'active') {
        // Its sandbox is proven by running it: a stopped unit would be started by the trial.
        findings.push({
          level: 'error',
          message: `${unit} is ${show.ActiveState || 'not running'}: start it first (each directive is proven by running the unit), or leave it out of harden_units`,
        });
        return;
      }
      findings.push({
        level: 'info',
        message: `${unit}: exposure now ${now}; after: ${after ? `${after.score} ${after.level} if it runs with every directive (systemd-analyze --offline), less for each it fails with (printed when applied)` : 'printed when applied'}; ${slots.length} tried: ${slots.map((s) => s.name).join(', ')}`,
      });
      const health = unit === p.agent ? p.health : undefined;
      actions.push({
        kind: 'run',
        label: `try ${unit} with each sandboxing directive; keep those it runs${health?.port ? ` and listens on ${health.port}` : ''} with`,
        argv: [
          'sh',
          '-c',
          trialScript(slots),
          'sh',
          unit,
          sandboxDropIn(unit),
          health?.port ? String(health.port) : '',
        ],
        touches: [sandboxDropIn(unit)],
      });
      actions.push(serviceProof(unit, health, probe.files[WG_CONF], access.host));
      changed.push(unit);
    });
    if (findings.some((f) => f.level === 'error') || !actions.length) return {actions: [], findings, onRollback: []};
    actions.unshift({kind: 'timer.arm', seconds: p.timeout});
    actions.push({kind: 'timer.disarm'});
    return {
      actions,
      findings,
      onRollback: [
        {kind: 'service', op: 'daemon-reload', unit: changed[0] as string, init: facts.init},
        ...changed.map(
          (u): RollbackAction => ({
            kind: 'service',
            op: 'restart',
            unit: u,
            init: facts.init,
            resetFailed: true,
            orTrue: true,
          }),
        ),
      ],
    };
  },
};
