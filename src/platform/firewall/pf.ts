import {STATE_DIR} from '../../core/paths.js';
import type {Action, RollbackAction} from '../../core/types.js';
import {
  hasPfAnchor,
  PF_ANCHOR,
  PF_ANCHOR_FILE,
  PF_CONF,
  PF_PLIST,
  renderPfAnchor,
  renderPfPlist,
  withPfAnchor,
} from '../../render/pf.js';
import {type FirewallBackend, guarded} from './types.js';

/** The reference pfctl -E handed us; released with pfctl -X on rollback. Never `pfctl -d`: it stops pf for every holder. */
export const PF_TOKEN = `${STATE_DIR}/pf.token`;

/** macOS's shipped /etc/pf.conf (the lines that matter). */
const SHIPPED_PF_CONF = [
  'scrub-anchor "com.apple/*"',
  'nat-anchor "com.apple/*"',
  'rdr-anchor "com.apple/*"',
  'dummynet-anchor "com.apple/*"',
  'anchor "com.apple/*"',
  'load anchor "com.apple" from "/etc/pf.anchors/com.apple"',
  '',
].join('\n');

export const pf: FirewallBackend = {
  probe: () => ({files: [PF_CONF, PF_ANCHOR_FILE, PF_PLIST]}),
  offline: () => ({
    files: {
      [PF_CONF]: {exists: true, mode: 0o644, content: SHIPPED_PF_CONF},
      [PF_ANCHOR_FILE]: {exists: false},
      [PF_PLIST]: {exists: false},
    },
  }),
  // macOS is never a WireGuard server here, so no rule of ours is limited to a tunnel.
  tunnelOnly: () => [],
  plan({facts, rules, probe, proof, timeout, findings}) {
    if (rules.some((r) => r.via)) {
      findings.push({
        level: 'error',
        message: 'pf rules through a tunnel are not supported: macOS is not a WireGuard server for portcullis',
      });
      return {actions: [], findings, onRollback: []};
    }
    const conf = probe.files[PF_CONF]?.content ?? '';
    const anchor = renderPfAnchor(rules);
    const plist = renderPfPlist();
    const enabled = facts.firewall.pf === 'enabled';
    const anchorOk = probe.files[PF_ANCHOR_FILE]?.content === anchor;
    const confOk = hasPfAnchor(conf);
    const plistOk = probe.files[PF_PLIST]?.content === plist;
    findings.push({
      level: 'info',
      message: 'macOS updates may rewrite /etc/pf.conf; a later plan shows the anchor lines missing again if one did',
    });
    if (anchorOk && confOk && plistOk && enabled) return {actions: [], findings, onRollback: []};
    const changes: Action[] = [];
    if (!anchorOk) changes.push({kind: 'file.write', path: PF_ANCHOR_FILE, content: anchor, mode: 0o644});
    if (!confOk)
      changes.push({
        kind: 'file.write',
        path: PF_CONF,
        content: withPfAnchor(conf),
        mode: probe.files[PF_CONF]?.mode ?? 0o644,
      });
    changes.push(
      {kind: 'run', label: `check the rules (pfctl -nf ${PF_CONF})`, argv: ['pfctl', '-nf', PF_CONF]},
      {kind: 'run', label: `load ${PF_CONF} with anchor ${PF_ANCHOR}`, argv: ['pfctl', '-f', PF_CONF]},
    );
    if (!enabled) {
      changes.push({
        kind: 'run',
        label: `enable pf (pfctl -E), keeping its reference token in ${PF_TOKEN}`,
        argv: ['sh', '-c', 'pfctl -E 2>&1 | sed -n "s/^Token : //p" > "$1" && test -s "$1"', 'sh', PF_TOKEN],
      });
    }
    const persist: Action[] = plistOk ? [] : [{kind: 'file.write', path: PF_PLIST, content: plist, mode: 0o644}];
    const onRollback: RollbackAction[] = [
      {kind: 'run', argv: ['pfctl', '-a', PF_ANCHOR, '-F', 'rules'], quiet: 'stderr', orTrue: true},
      {kind: 'run', argv: ['pfctl', '-f', PF_CONF]},
      ...(enabled ? [] : [{kind: 'pf.release', token: PF_TOKEN} as const]),
    ];
    return {actions: guarded([], changes, proof, timeout, persist), findings, onRollback};
  },
};
