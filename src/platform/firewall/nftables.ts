import type {Facts} from '../../core/facts.js';
import {type AllowRule, allowRule, SSH_VIA_TUNNEL, specOf} from '../../core/firewall-policy.js';
import type {Action, ProbeData, RollbackAction} from '../../core/types.js';
import {
  NFT_FILE,
  NFT_OPENRC_SERVICE,
  NFT_TABLE,
  NFT_UNIT,
  renderNftables,
  renderNftOpenrcService,
  renderNftUnit,
} from '../../render/nftables.js';
import {nftInbound} from './inbound.js';
import {COMMENT_PREFIX, type FirewallBackend, guarded} from './types.js';

const UNIT_PATH = `/etc/systemd/system/${NFT_UNIT}`;
const WANTS = `/etc/systemd/system/sysinit.target.wants/${NFT_UNIT}`;
const OPENRC_SCRIPT = `/etc/init.d/${NFT_OPENRC_SERVICE}`;
const OPENRC_LINK = `/etc/runlevels/default/${NFT_OPENRC_SERVICE}`;

/** Tables that are not ours, Docker's, fail2ban's or an empty distribution default: their drops apply on top of ours. */
function foreignTables(tables: readonly string[]): string[] {
  return tables.filter((t) => t !== NFT_TABLE && !/f2b|docker|^ip6? (nat|filter)$/.test(t));
}

/** Accepts on one incoming interface, as `2222/tcp on wg0` (the file and `nft list` write them alike). */
export function nftTunnelAccepts(
  lines: readonly string[],
): {port: number; proto: 'tcp' | 'udp'; iface: string; from?: string; comment?: string}[] {
  const out: {port: number; proto: 'tcp' | 'udp'; iface: string; from?: string; comment?: string}[] = [];
  for (const l of lines) {
    const m =
      /\biifname "([A-Za-z0-9_.-]{1,15})" (?:ip saddr ([0-9]{1,3}(?:\.[0-9]{1,3}){3}) )?(tcp|udp) dport ([0-9]{1,5}) accept(?: comment "([^"]*)")?/.exec(
        l,
      );
    if (m)
      out.push({
        iface: m[1] ?? '',
        proto: m[3] as 'tcp' | 'udp',
        port: Number(m[4]),
        comment: m[5],
        ...(m[2] ? {from: m[2]} : {}),
      });
  }
  return out;
}

const onKey = (r: {port: number; proto: string; iface?: string; from?: string}) =>
  `${specOf(r)} on ${r.iface ?? ''}${r.from ? ` from ${r.from}` : ''}`;

/** The live table when it is loaded, else the file that loads at boot. */
function ourRuleset(probe: ProbeData): string {
  if (probe.queries.nft_loaded?.code === 0) return probe.queries.nft_loaded.out;
  return probe.files[NFT_FILE]?.content ?? '';
}

export const nftables: FirewallBackend = {
  probe: (f) => ({
    files: [NFT_FILE, f.init === 'openrc' ? OPENRC_SCRIPT : UNIT_PATH],
    queries: {
      nft_present: 'command -v nft',
      nft_loaded: `nft list table ${NFT_TABLE}`,
      nft_boot: f.init === 'openrc' ? `test -L ${OPENRC_LINK}` : `systemctl is-enabled ${NFT_UNIT}`,
    },
  }),
  offline: () => ({
    queries: {
      nft_present: {code: 1, out: ''},
      nft_loaded: {code: 1, out: ''},
      nft_boot: {code: 1, out: ''},
    },
  }),
  tunnelOnly(_f: Facts, probe: ProbeData) {
    return nftTunnelAccepts(ourRuleset(probe).split('\n'))
      .filter((a) => a.comment === `${COMMENT_PREFIX}${SSH_VIA_TUNNEL}` && !a.from)
      .map((a) => allowRule(a.port, a.proto, SSH_VIA_TUNNEL, {iface: a.iface}));
  },
  assumed(f: Facts, rules: readonly AllowRule[]) {
    const text = renderNftables(rules);
    const openrc = f.init === 'openrc';
    return {
      facts: {
        ...f,
        firewall: {...f.firewall, active: 'nftables', nftTables: [...new Set([...f.firewall.nftTables, NFT_TABLE])]},
      },
      probe: {
        files: {
          [NFT_FILE]: {exists: true, mode: 0o600, content: text},
          [openrc ? OPENRC_SCRIPT : UNIT_PATH]: {
            exists: true,
            mode: openrc ? 0o755 : 0o644,
            content: openrc ? renderNftOpenrcService() : renderNftUnit(),
          },
        },
        queries: {
          nft_present: {code: 0, out: '/usr/sbin/nft'},
          nft_loaded: {code: 0, out: text},
          nft_boot: {code: 0, out: 'enabled'},
        },
      },
    };
  },
  plan({facts, rules, probe, proof, timeout, findings}) {
    const present = probe.queries.nft_present?.code === 0;
    const content = renderNftables(rules);
    const loadedLines = probe.queries.nft_loaded?.code === 0 ? probe.queries.nft_loaded.out.split('\n') : undefined;
    const loaded = loadedLines ? nftInbound(loadedLines) : undefined;
    const want = new Set(rules.filter((r) => !r.via).map(specOf));
    const wantOn = new Set(
      rules.filter((r) => r.via).map((r) => onKey({...r, iface: r.via?.iface, from: r.via?.from})),
    );
    // DHCP replies are let in by every version of the table: not part of the policy that changes.
    const open = new Set(loaded?.open.filter((s) => s !== '68/udp' && s !== '546/udp'));
    const on = new Set(nftTunnelAccepts(loadedLines ?? []).map(onKey));
    const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((s) => b.has(s));
    const loadedOk = loaded?.defaultDeny === true && same(open, want) && same(on, wantOn);
    const fileOk = probe.files[NFT_FILE]?.content === content;
    const openrc = facts.init === 'openrc';
    const bootFile = openrc ? OPENRC_SCRIPT : UNIT_PATH;
    const bootText = openrc ? renderNftOpenrcService() : renderNftUnit();
    const bootOk = probe.files[bootFile]?.content === bootText && probe.queries.nft_boot?.code === 0;
    const others = foreignTables(facts.firewall.nftTables);
    if (others.length) {
      findings.push({
        level: 'warn',
        message: `other nftables tables filter traffic too (${others.join(', ')}): a drop in any table is final, so their rules still apply on top of ours`,
      });
    }
    if (fileOk && loadedOk && bootOk) return {actions: [], findings, onRollback: []};

    const changes: Action[] = [];
    if (!fileOk) changes.push({kind: 'file.write', path: NFT_FILE, content, mode: 0o600});
    changes.push(
      {kind: 'run', label: `check the ruleset (nft -c -f ${NFT_FILE})`, argv: ['nft', '-c', '-f', NFT_FILE]},
      {kind: 'run', label: `load table ${NFT_TABLE} (atomic; other tables untouched)`, argv: ['nft', '-f', NFT_FILE]},
    );
    const persist: Action[] = [];
    const bootEnabled = probe.queries.nft_boot?.code === 0;
    if (probe.files[bootFile]?.content !== bootText) {
      persist.push({kind: 'file.write', path: bootFile, content: bootText, mode: openrc ? 0o755 : 0o644});
      if (!openrc) persist.push({kind: 'service', op: 'daemon-reload', unit: NFT_UNIT, init: facts.init});
    }
    if (!bootEnabled) {
      persist.push(
        openrc
          ? {
              kind: 'run',
              label: `load the table at boot (add ${NFT_OPENRC_SERVICE} to the default runlevel)`,
              argv: ['rc-update', 'add', NFT_OPENRC_SERVICE, 'default'],
              touches: [OPENRC_LINK],
            }
          : {
              kind: 'run',
              label: `load the table at boot (enable ${NFT_UNIT})`,
              argv: ['systemctl', 'enable', NFT_UNIT],
              touches: [WANTS],
            },
      );
    }
    const existed = probe.files[NFT_FILE]?.exists === true;
    const onRollback: RollbackAction[] = [
      existed
        ? {kind: 'run', argv: ['nft', '-f', NFT_FILE]}
        : {kind: 'run', argv: ['nft', 'delete', 'table', ...NFT_TABLE.split(' ')], quiet: 'stderr', orTrue: true},
      // OpenRC: the runlevel link is a touched path (restored, i.e. removed, with the files).
      ...(openrc ? [] : [{kind: 'service', op: 'daemon-reload', unit: NFT_UNIT, init: facts.init} as const]),
    ];
    const pre: Action[] = present
      ? []
      : [{kind: 'package.install', manager: facts.packageManager, packages: ['nftables']}];
    return {actions: guarded(pre, changes, proof, timeout, persist), findings, onRollback};
  },
};
