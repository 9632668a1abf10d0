/**
 * The sandboxing drop-in of harden-units: a catalogue of systemd directives, each tried on the unit and
 * kept only if the unit still runs with it (trial-script.ts). The drop-in records what was left out, so
 * a later plan knows the outcome without trying again (a re-run changes nothing).
 */

/** One way to set a directive: its lines, and a label without spaces that names it in the drop-in's header. */
export interface Alternative {
  label: string;
  lines: readonly string[];
}

/** A directive (or a pair that belongs together), strongest alternative first. */
export interface Slot {
  name: string;
  alternatives: readonly Alternative[];
}

const yes = (name: string): Slot => ({name, alternatives: [{label: `${name}=yes`, lines: [`${name}=yes`]}]});

/** What every service gets tried with, in this order. */
export const SLOTS: readonly Slot[] = [
  yes('NoNewPrivileges'),
  {
    name: 'ProtectSystem',
    alternatives: ['strict', 'full', 'yes'].map((v) => ({label: `ProtectSystem=${v}`, lines: [`ProtectSystem=${v}`]})),
  },
  {
    name: 'ProtectHome',
    alternatives: ['yes', 'read-only'].map((v) => ({label: `ProtectHome=${v}`, lines: [`ProtectHome=${v}`]})),
  },
  yes('PrivateTmp'),
  yes('PrivateDevices'),
  yes('ProtectKernelTunables'),
  yes('ProtectKernelModules'),
  yes('ProtectKernelLogs'),
  yes('ProtectControlGroups'),
  yes('ProtectClock'),
  yes('ProtectHostname'),
  {name: 'ProtectProc', alternatives: [{label: 'ProtectProc=invisible', lines: ['ProtectProc=invisible']}]},
  {name: 'ProcSubset', alternatives: [{label: 'ProcSubset=pid', lines: ['ProcSubset=pid']}]},
  {
    name: 'RestrictAddressFamilies',
    alternatives: [
      {label: 'RestrictAddressFamilies=unix+inet', lines: ['RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6']},
      {
        label: 'RestrictAddressFamilies=unix+inet+netlink',
        lines: ['RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK'],
      },
    ],
  },
  yes('RestrictNamespaces'),
  yes('RestrictRealtime'),
  yes('RestrictSUIDSGID'),
  yes('LockPersonality'),
  yes('MemoryDenyWriteExecute'),
  {
    name: 'SystemCallArchitectures',
    alternatives: [{label: 'SystemCallArchitectures=native', lines: ['SystemCallArchitectures=native']}],
  },
  {
    name: 'SystemCallFilter',
    alternatives: [
      {
        label: 'SystemCallFilter=@system-service~@privileged~@resources',
        lines: ['SystemCallFilter=@system-service', 'SystemCallFilter=~@privileged @resources'],
      },
      {label: 'SystemCallFilter=@system-service', lines: ['SystemCallFilter=@system-service']},
    ],
  },
  {
    name: 'CapabilityBoundingSet',
    alternatives: [
      {label: 'CapabilityBoundingSet=none', lines: ['CapabilityBoundingSet=', 'AmbientCapabilities=']},
      {
        label: 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
        lines: ['CapabilityBoundingSet=CAP_NET_BIND_SERVICE', 'AmbientCapabilities=CAP_NET_BIND_SERVICE'],
      },
    ],
  },
  yes('PrivateUsers'),
  yes('RemoveIPC'),
];

/** The IP allow-list slot (harden_network=tunnel-only): loopback and the tunnel, nothing else, both ways. */
export function ipSlot(tunnelSubnet: string | undefined): Slot {
  const allow = ['localhost', ...(tunnelSubnet ? [tunnelSubnet] : [])].join(' ');
  return {
    name: 'IPAddressDeny',
    alternatives: [
      {label: `IPAddressAllow=${allow.replace(/ /g, '+')}`, lines: ['IPAddressDeny=any', `IPAddressAllow=${allow}`]},
    ],
  };
}

/** Left out on purpose, with the reason the plan shows. */
export const NOT_TRIED: readonly {name: string; why: string}[] = [
  {name: 'UMask', why: 'it changes who may read the files the service writes, which no health check can see'},
  {name: 'PrivateNetwork', why: 'the service must answer on the network'},
  {name: 'RootDirectory/RootImage', why: 'needs an image of the service built for it'},
];

export const OUTBOUND_WHY =
  'IPAddressDeny/IPAddressAllow cut outbound connections too (an agent calling its model API would break where no health check sees it): harden_network=tunnel-only sets them';

/** What the trial decided: per slot the alternative kept, or none (every alternative failed). */
export interface Outcome {
  kept: Alternative[];
  /** Labels of the alternatives the unit failed with, in catalogue order. */
  failed: string[];
}

export const HEADER = '# Managed by portcullis (harden-units): the sandboxing this unit was proven to run with.';
export const FAILED_PREFIX = '# Left out, the unit failed with: ';

/** The drop-in's bytes for an outcome; the trial script builds exactly these (trial-script.ts). */
export function renderDropIn(o: Outcome): string {
  const failed = o.failed.length ? `${FAILED_PREFIX}${o.failed.join(' ')}\n` : '';
  return `${HEADER}\n${failed}[Service]\n${o.kept.flatMap((a) => a.lines.map((l) => `${l}\n`)).join('')}`;
}

/**
 * The outcome a drop-in of ours records for these slots, when it accounts for every one of them (each
 * kept by one of its alternatives, or all its alternatives failed) and re-renders to the same bytes.
 * Anything else (not ours, another catalogue, edited by hand) is undefined: the unit is tried again.
 */
export function recordedOutcome(content: string | undefined, slots: readonly Slot[]): Outcome | undefined {
  if (content === undefined || !content.startsWith(`${HEADER}\n`)) return undefined;
  const lines = content.split('\n');
  const failedLine = lines.find((l) => l.startsWith(FAILED_PREFIX));
  const failed = new Set(failedLine ? failedLine.slice(FAILED_PREFIX.length).split(' ') : []);
  const body = new Set(lines.filter((l) => l && !l.startsWith('#') && l !== '[Service]'));
  const out: Outcome = {kept: [], failed: []};
  for (const s of slots) {
    for (const a of s.alternatives) if (failed.has(a.label)) out.failed.push(a.label);
    const kept = s.alternatives.find((a) => !failed.has(a.label) && a.lines.every((l) => body.has(l)));
    if (kept) out.kept.push(kept);
    else if (!s.alternatives.every((a) => failed.has(a.label))) return undefined;
  }
  return renderDropIn(out) === content ? out : undefined;
}

/** Slots whose every alternative failed: the directives the unit cannot live with. */
export function leftOut(o: Outcome, slots: readonly Slot[]): string[] {
  return slots.filter((s) => s.alternatives.every((a) => o.failed.includes(a.label))).map((s) => s.name);
}

/** `systemd-analyze security`'s last line: "→ Overall exposure level for x.service: 8.2 EXPOSED :-(" */
export function parseExposure(out: string): {score: number; level: string} | undefined {
  const m = /Overall exposure level for [^:]+: (\d{1,2}\.\d) ([A-Z]{2,10})/.exec(out);
  return m ? {score: Number(m[1]), level: m[2] as string} : undefined;
}
