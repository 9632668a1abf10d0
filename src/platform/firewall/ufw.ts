import type {Facts} from '../../core/facts.js';
import type {AllowRule} from '../../core/firewall-policy.js';
import {allowRule, SSH_VIA_TUNNEL, specOf} from '../../core/firewall-policy.js';
import type {Action, ProbeData, RollbackAction} from '../../core/types.js';
import {InputError} from '../../util/errors.js';
import {COMMENT_PREFIX, type FirewallBackend, guarded} from './types.js';

const DEFAULTS = '/etc/default/ufw';
/** Everything ufw's own commands write: restored byte for byte on rollback. */
export const UFW_FILES = [DEFAULTS, '/etc/ufw/ufw.conf', '/etc/ufw/user.rules', '/etc/ufw/user6.rules'];

/** /etc/default/ufw as the Debian and Ubuntu package ship it (the lines we read). */
const SHIPPED_DEFAULTS =
  'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\nDEFAULT_FORWARD_POLICY="DROP"\nDEFAULT_APPLICATION_POLICY="SKIP"\nMANAGE_BUILTINS=no\nIPT_SYSCTL=/etc/ufw/sysctl.conf\nIPT_MODULES=""\n';

export interface UfwAdded {
  action: 'allow' | 'limit';
  port: number;
  /** Unset: the rule covers tcp and udp. */
  proto?: 'tcp' | 'udp';
  comment?: string;
  /** `allow in on wg0 to any port N`: only through that interface. Unset: from anywhere. */
  iface?: string;
  /** `allow in on wg0 from 10.66.0.3 to any port N`: and only from that address (a tunnel peer's). */
  from?: string;
  /** The application profile the rule names (`OpenSSH`), as ufw must be given it to delete the rule. */
  app?: string;
}

/**
 * `ufw show added`: the rules as commands. Plain port rules and port rules on one incoming interface;
 * anything else (sources, ranges, rejects) is left out.
 */
export function parseUfwAdded(out: string): UfwAdded[] {
  const rules: UfwAdded[] = [];
  for (const line of out.split('\n')) {
    const t = line.trim();
    const on =
      /^ufw (allow|limit) in on ([A-Za-z0-9_.-]{1,15})(?: from ([0-9]{1,3}(?:\.[0-9]{1,3}){3}))? to any port ([0-9]{1,5})(?: proto (tcp|udp))?(?: comment '(.*)')?\s*$/.exec(
        t,
      );
    if (on) {
      rules.push({
        action: on[1] as 'allow' | 'limit',
        port: Number(on[4]),
        proto: on[5] as 'tcp' | 'udp' | undefined,
        comment: on[6],
        iface: on[2],
        ...(on[3] ? {from: on[3]} : {}),
      });
      continue;
    }
    const m = /^ufw (allow|limit)(?: in)? ([0-9]{1,5}|OpenSSH)(?:\/(tcp|udp))?(?: comment '(.*)')?\s*$/.exec(t);
    if (!m) continue;
    const app = m[2] === 'OpenSSH';
    rules.push({
      action: m[1] as 'allow' | 'limit',
      port: app ? 22 : Number(m[2]),
      proto: app ? 'tcp' : (m[3] as 'tcp' | 'udp' | undefined),
      comment: m[4],
      ...(app ? {app: 'OpenSSH'} : {}),
    });
  }
  return rules;
}

/** How ufw is told a rule: `2222/tcp`, or `in on wg0 to any port 2222 proto tcp`. */
function ufwSpec(r: {port: number; proto?: string; iface?: string; from?: string; app?: string}): string[] {
  if (r.iface)
    return [
      'in',
      'on',
      r.iface,
      ...(r.from ? ['from', r.from] : []),
      'to',
      'any',
      'port',
      String(r.port),
      ...(r.proto ? ['proto', r.proto] : []),
    ];
  if (r.app) return [r.app];
  return [r.proto ? `${r.port}/${r.proto}` : String(r.port)];
}

const ifaceOf = (r: AllowRule): string | undefined => {
  if (!r.via) return undefined;
  if (!r.via.iface) throw new InputError(`ufw needs the tunnel interface to let ${specOf(r)} in only through it`);
  return r.via.iface;
};

/** Our rules in ufw's own vocabulary, as `ufw show added` lists them. */
function addedLine(r: AllowRule): string {
  return `ufw allow ${ufwSpec({...r, iface: ifaceOf(r), from: r.via?.from}).join(' ')} comment '${COMMENT_PREFIX}${r.why}'`;
}

export function parseUfwDefaults(text: string): {input: string; output: string; ipv6: string} {
  const get = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?\\s*$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return {input: get('DEFAULT_INPUT_POLICY'), output: get('DEFAULT_OUTPUT_POLICY'), ipv6: get('IPV6')};
}

/** /etc/default/ufw with IPV6=yes: without it ufw leaves IPv6 wide open. */
export function withIpv6(text: string): string {
  return /^IPV6=.*$/m.test(text)
    ? text.replace(/^IPV6=.*$/m, 'IPV6=yes')
    : `${text}${text.endsWith('\n') ? '' : '\n'}IPV6=yes\n`;
}

const covers = (r: UfwAdded, want: AllowRule) =>
  r.port === want.port &&
  (r.proto === undefined || r.proto === want.proto) &&
  r.iface === ifaceOf(want) &&
  (r.from === undefined || r.from === want.via?.from);

const keyOfAdded = (r: {port: number; proto?: string; iface?: string; from?: string}) =>
  `${r.port}/${r.proto ?? ''}${r.iface ? ` on ${r.iface}` : ''}${r.from ? ` from ${r.from}` : ''}`;

const SHOW_ADDED_HEADER = "Added user rules (see 'ufw status' for running firewall):";

export const ufw: FirewallBackend = {
  probe: () => ({files: [DEFAULTS], queries: {ufw_added: 'ufw show added'}}),
  offline: (f) =>
    f.firewall.ufw === 'absent'
      ? {queries: {ufw_added: {code: 127, out: 'sh: 1: ufw: not found'}}}
      : {
          files: {[DEFAULTS]: {exists: true, mode: 0o644, content: SHIPPED_DEFAULTS}},
          queries: {ufw_added: {code: 0, out: `${SHOW_ADDED_HEADER}\n(None)`}},
        },
  tunnelOnly(f: Facts, probe: ProbeData) {
    if (f.firewall.ufw === 'absent') return [];
    return parseUfwAdded(probe.queries.ufw_added?.out ?? '')
      .filter((e) => e.iface && !e.from && e.comment === `${COMMENT_PREFIX}${SSH_VIA_TUNNEL}`)
      .map((e) => allowRule(e.port, e.proto ?? 'tcp', SSH_VIA_TUNNEL, {iface: e.iface}));
  },
  assumed(f: Facts, rules: readonly AllowRule[]) {
    return {
      facts: {...f, firewall: {...f.firewall, active: 'ufw', ufw: 'active'}},
      probe: {
        files: {[DEFAULTS]: {exists: true, mode: 0o644, content: SHIPPED_DEFAULTS}},
        queries: {ufw_added: {code: 0, out: [SHOW_ADDED_HEADER, ...rules.map(addedLine)].join('\n')}},
      },
    };
  },
  plan({facts, rules, probe, proof, timeout, findings, closing}) {
    const installed = facts.firewall.ufw !== 'absent';
    const active = facts.firewall.ufw === 'active';
    const existing = installed ? parseUfwAdded(probe.queries.ufw_added?.out ?? '') : [];
    const defaultsText = probe.files[DEFAULTS]?.content ?? SHIPPED_DEFAULTS;
    const defaults = installed ? parseUfwDefaults(defaultsText) : parseUfwDefaults(SHIPPED_DEFAULTS);
    const touches = UFW_FILES;
    const changes: Action[] = [];
    if (defaults.ipv6 !== 'yes') {
      changes.push({
        kind: 'file.write',
        path: DEFAULTS,
        content: withIpv6(defaultsText),
        mode: probe.files[DEFAULTS]?.mode ?? 0o644,
      });
    }
    if (defaults.input !== 'DROP' && defaults.input !== 'REJECT') {
      changes.push({
        kind: 'run',
        label: 'ufw: deny incoming by default',
        argv: ['ufw', 'default', 'deny', 'incoming'],
        touches,
      });
    }
    if (defaults.output !== 'ACCEPT') {
      changes.push({
        kind: 'run',
        label: 'ufw: allow outgoing by default',
        argv: ['ufw', 'default', 'allow', 'outgoing'],
        touches,
      });
    }
    // Adds come first: a port that moves behind the tunnel is let in there before its public rule goes.
    for (const r of rules) {
      if (existing.some((e) => covers(e, r))) continue;
      const iface = ifaceOf(r);
      changes.push({
        kind: 'firewall.rule',
        backend: 'ufw',
        rule: iface
          ? `allow ${specOf(r)} only in on ${iface}${r.via?.from ? ` from ${r.via.from}` : ''} (${r.why})`
          : `allow ${specOf(r)} (${r.why})`,
        argv: ['ufw', 'allow', ...ufwSpec({...r, iface, from: r.via?.from}), 'comment', `${COMMENT_PREFIX}${r.why}`],
        touches,
      });
    }
    const wanted = new Set(rules.map((r) => keyOfAdded({...r, iface: ifaceOf(r), from: r.via?.from})));
    for (const e of existing) {
      if (!e.comment?.startsWith(COMMENT_PREFIX) || !e.proto || wanted.has(keyOfAdded(e))) continue;
      // By spec, never by number: numbers shift, and a number deletes only the IPv4 or the IPv6 half.
      changes.push({
        kind: 'firewall.rule',
        backend: 'ufw',
        rule: `delete allow ${e.port}/${e.proto}${e.iface ? ` in on ${e.iface}` : ''}${e.from ? ` from ${e.from}` : ''} (${e.comment.slice(COMMENT_PREFIX.length)}: no longer needed)`,
        argv: ['ufw', 'delete', e.action, ...ufwSpec(e)],
        touches,
      });
    }
    // Closing: a port let in only through the tunnel loses every public rule, also one portcullis did not add.
    const tunneled = rules.filter((r) => r.via);
    const keepsPublic = (e: UfwAdded) =>
      closing === true &&
      !e.iface &&
      !e.comment?.startsWith(COMMENT_PREFIX) &&
      tunneled.some((r) => r.port === e.port && (e.proto === undefined || e.proto === r.proto));
    for (const e of existing.filter(keepsPublic)) {
      const what = ufwSpec(e).join(' ');
      changes.push({
        kind: 'firewall.rule',
        backend: 'ufw',
        rule: `delete allow ${what} (a rule not added by portcullis that keeps the port public)`,
        argv: ['ufw', 'delete', e.action, ...ufwSpec(e)],
        touches,
      });
    }
    for (const e of existing) {
      if (e.comment?.startsWith(COMMENT_PREFIX) || keepsPublic(e) || rules.some((r) => covers(e, r))) continue;
      findings.push({
        level: 'info',
        message: `ufw also allows ${e.port}${e.proto ? `/${e.proto}` : ''}${e.iface ? ` in on ${e.iface}` : ''} (a rule of yours, kept)`,
        fix: `ufw delete ${e.action} ${ufwSpec(e).join(' ')}`,
      });
    }
    if (active && changes.some((a) => a.kind === 'file.write')) {
      changes.push({kind: 'run', label: 'ufw: reload (IPv6 rules)', argv: ['ufw', 'reload'], touches});
    }
    if (!active) {
      changes.push({
        kind: 'run',
        label: 'enable ufw: deny incoming, allow outgoing, IPv4 and IPv6, on now and at boot',
        argv: ['ufw', '--force', 'enable'],
        touches,
      });
    }
    if (!changes.length && installed) return {actions: [], findings, onRollback: []};
    const pre: Action[] = installed
      ? []
      : [{kind: 'package.install', manager: facts.packageManager, packages: ['ufw']}];
    return {
      actions: guarded(pre, changes, proof, timeout),
      findings,
      // Files first (the rollback script restores them), then ufw is put back the way it ran.
      onRollback: [ufwBack(active)],
    };
  },
};

/** ufw put back the way it ran, on its restored files: reloaded, or off again. */
export function ufwBack(active: boolean): RollbackAction {
  return {kind: 'run', argv: active ? ['ufw', 'reload'] : ['ufw', '--force', 'disable']};
}
