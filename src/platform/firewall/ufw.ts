import type {Action} from '../../engine/types.js';
import type {AllowRule} from './policy.js';
import {specOf} from './policy.js';
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
}

/** `ufw show added`: the rules as commands. Anything that is not a plain port rule (sources, ranges, rejects) is left out. */
export function parseUfwAdded(out: string): UfwAdded[] {
  const rules: UfwAdded[] = [];
  for (const line of out.split('\n')) {
    const m = /^ufw (allow|limit)(?: in)? ([0-9]{1,5}|OpenSSH)(?:\/(tcp|udp))?(?: comment '(.*)')?\s*$/.exec(
      line.trim(),
    );
    if (!m) continue;
    const app = m[2] === 'OpenSSH';
    rules.push({
      action: m[1] as 'allow' | 'limit',
      port: app ? 22 : Number(m[2]),
      proto: app ? 'tcp' : (m[3] as 'tcp' | 'udp' | undefined),
      comment: m[4],
    });
  }
  return rules;
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
  r.port === want.port && (r.proto === undefined || r.proto === want.proto);

export const ufw: FirewallBackend = {
  probe: () => ({files: [DEFAULTS], queries: {ufw_added: 'ufw show added'}}),
  offline: (f) =>
    f.firewall.ufw === 'absent'
      ? {queries: {ufw_added: {code: 127, out: 'sh: 1: ufw: not found'}}}
      : {
          files: {[DEFAULTS]: {exists: true, mode: 0o644, content: SHIPPED_DEFAULTS}},
          queries: {ufw_added: {code: 0, out: "Added user rules (see 'ufw status' for running firewall):\n(None)"}},
        },
  plan({facts, rules, probe, proof, timeout, findings}) {
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
    for (const r of rules) {
      if (existing.some((e) => covers(e, r))) continue;
      changes.push({
        kind: 'firewall.rule',
        backend: 'ufw',
        rule: `allow ${specOf(r)} (${r.why})`,
        argv: ['ufw', 'allow', specOf(r), 'comment', `${COMMENT_PREFIX}${r.why}`],
        touches,
      });
    }
    const wanted = new Set(rules.map(specOf));
    for (const e of existing) {
      if (!e.comment?.startsWith(COMMENT_PREFIX) || !e.proto || wanted.has(specOf({port: e.port, proto: e.proto})))
        continue;
      // By spec, never by number: numbers shift, and a number deletes only the IPv4 or the IPv6 half.
      changes.push({
        kind: 'firewall.rule',
        backend: 'ufw',
        rule: `delete allow ${e.port}/${e.proto} (${e.comment.slice(COMMENT_PREFIX.length)}: no longer needed)`,
        argv: ['ufw', 'delete', e.action, `${e.port}/${e.proto}`],
        touches,
      });
    }
    for (const e of existing) {
      if (e.comment?.startsWith(COMMENT_PREFIX) || rules.some((r) => covers(e, r))) continue;
      findings.push({
        level: 'info',
        message: `ufw also allows ${e.port}${e.proto ? `/${e.proto}` : ''} (a rule of yours, kept)`,
        fix: `ufw delete ${e.action} ${e.port}${e.proto ? `/${e.proto}` : ''}`,
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
      onRollback: active ? ['ufw reload'] : ['ufw --force disable'],
    };
  },
};
