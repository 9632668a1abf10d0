import type {Action} from '../../engine/types.js';
import {
  NFT_FILE,
  NFT_TABLE,
  NFT_UNIT,
  renderNftables,
  renderNftLocalStart,
  renderNftUnit,
} from '../../render/nftables.js';
import {nftInbound} from './inbound.js';
import {specOf} from './policy.js';
import {type FirewallBackend, guarded} from './types.js';

const UNIT_PATH = `/etc/systemd/system/${NFT_UNIT}`;
const WANTS = `/etc/systemd/system/sysinit.target.wants/${NFT_UNIT}`;
const LOCAL_START = '/etc/local.d/portcullis-firewall.start';

/** Tables that are not ours, Docker's, fail2ban's or an empty distribution default: their drops apply on top of ours. */
function foreignTables(tables: readonly string[]): string[] {
  return tables.filter((t) => t !== NFT_TABLE && !/f2b|docker|^ip6? (nat|filter)$/.test(t));
}

export const nftables: FirewallBackend = {
  probe: (f) => ({
    files: [NFT_FILE, f.init === 'openrc' ? LOCAL_START : UNIT_PATH],
    queries: {
      nft_present: 'command -v nft',
      nft_loaded: `nft list table ${NFT_TABLE}`,
      nft_boot: f.init === 'openrc' ? 'rc-update show default | grep -w local' : `systemctl is-enabled ${NFT_UNIT}`,
    },
  }),
  offline: () => ({
    queries: {
      nft_present: {code: 1, out: ''},
      nft_loaded: {code: 1, out: ''},
      nft_boot: {code: 1, out: ''},
    },
  }),
  plan({facts, rules, probe, proof, timeout, findings}) {
    const present = probe.queries.nft_present?.code === 0;
    const content = renderNftables(rules);
    const loaded =
      probe.queries.nft_loaded?.code === 0 ? nftInbound(probe.queries.nft_loaded.out.split('\n')) : undefined;
    const want = new Set(rules.map(specOf));
    // DHCP replies are let in by every version of the table: not part of the policy that changes.
    const open = new Set(loaded?.open.filter((s) => s !== '68/udp' && s !== '546/udp'));
    const loadedOk = loaded?.defaultDeny === true && open.size === want.size && [...open].every((s) => want.has(s));
    const fileOk = probe.files[NFT_FILE]?.content === content;
    const openrc = facts.init === 'openrc';
    const bootFile = openrc ? LOCAL_START : UNIT_PATH;
    const bootText = openrc ? renderNftLocalStart() : renderNftUnit();
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
          ? {kind: 'run', label: 'run local.d scripts at boot', argv: ['rc-update', 'add', 'local', 'default']}
          : {
              kind: 'run',
              label: `load the table at boot (enable ${NFT_UNIT})`,
              argv: ['systemctl', 'enable', NFT_UNIT],
              touches: [WANTS],
            },
      );
    }
    const existed = probe.files[NFT_FILE]?.exists === true;
    const onRollback = [
      existed ? `nft -f ${NFT_FILE}` : `nft delete table ${NFT_TABLE} 2>/dev/null || true`,
      ...(openrc ? (bootEnabled ? [] : ['rc-update del local default']) : ['systemctl daemon-reload']),
    ];
    const pre: Action[] = present
      ? []
      : [{kind: 'package.install', manager: facts.packageManager, packages: ['nftables']}];
    return {actions: guarded(pre, changes, proof, timeout, persist), findings, onRollback};
  },
};
