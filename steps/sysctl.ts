import {sshPorts} from '../src/core/facts.js';
import type {Action, Finding, RollbackAction, Step} from '../src/core/types.js';

export const SYSCTL_FILE = '/etc/sysctl.d/90-portcullis.conf';

/**
 * The kernel baseline: what dev-sec and CIS agree on for a server, minus what breaks a WireGuard server.
 * rp_filter is loose (2), not strict: a tunnel's replies may leave by another route. Left out on purpose:
 * ip_forward (WireGuard's routing decides), ptrace and BPF limits (agents and their debuggers need them).
 */
export const BASELINE: readonly (readonly [string, string])[] = [
  ['fs.protected_fifos', '2'],
  ['fs.protected_hardlinks', '1'],
  ['fs.protected_regular', '2'],
  ['fs.protected_symlinks', '1'],
  ['fs.suid_dumpable', '0'],
  ['kernel.dmesg_restrict', '1'],
  ['kernel.kptr_restrict', '2'],
  ['net.ipv4.conf.all.accept_redirects', '0'],
  ['net.ipv4.conf.all.accept_source_route', '0'],
  ['net.ipv4.conf.all.log_martians', '1'],
  ['net.ipv4.conf.all.rp_filter', '2'],
  ['net.ipv4.conf.all.secure_redirects', '0'],
  ['net.ipv4.conf.all.send_redirects', '0'],
  ['net.ipv4.conf.default.accept_redirects', '0'],
  ['net.ipv4.conf.default.accept_source_route', '0'],
  ['net.ipv4.conf.default.log_martians', '1'],
  ['net.ipv4.conf.default.rp_filter', '2'],
  ['net.ipv4.conf.default.secure_redirects', '0'],
  ['net.ipv4.conf.default.send_redirects', '0'],
  ['net.ipv4.icmp_echo_ignore_broadcasts', '1'],
  ['net.ipv4.tcp_syncookies', '1'],
  ['net.ipv6.conf.all.accept_redirects', '0'],
  ['net.ipv6.conf.all.accept_source_route', '0'],
  ['net.ipv6.conf.default.accept_redirects', '0'],
  ['net.ipv6.conf.default.accept_source_route', '0'],
];

/** Keys ufw's own sysctl.conf sets to another value than ours. */
const UFW_OWNS = ['net.ipv4.conf.all.log_martians', 'net.ipv4.conf.default.log_martians'];

const procPath = (key: string) => `/proc/sys/${key.replace(/\./g, '/')}`;

/** One line per key: `KEY VALUE rw|ro`, or `KEY - absent`. Read only. */
const READ = BASELINE.map(
  ([k]) =>
    `if [ -e ${procPath(k)} ]; then printf '%s %s %s\\n' ${k} "$(cat ${procPath(k)})" "$( [ -w ${procPath(k)} ] && echo rw || echo ro)"; else echo ${k} - absent; fi`,
).join('; ');

interface KeyState {
  value?: string;
  writable: boolean;
}

function parseKeys(out: string): Map<string, KeyState> {
  const m = new Map<string, KeyState>();
  for (const line of out.split('\n')) {
    const [k = '', v = '', rw = ''] = line.trim().split(/\s+/);
    // Only what we asked for, only numbers: the server's answer never reaches a file unchecked.
    if (!BASELINE.some(([b]) => b === k)) continue;
    m.set(k, {value: /^-?\d{1,10}$/.test(v) ? v : undefined, writable: rw === 'rw'});
  }
  return m;
}

export interface SysctlParams {
  admin?: string;
  sshPort?: number;
}

export const sysctl: Step<SysctlParams> = {
  id: 'sysctl',
  title: 'Kernel baseline (sysctl)',
  why: 'A few kernel settings turn away spoofed and redirected packets, log martians, and keep kernel addresses and other users’ files out of reach; they cost nothing on a server.',
  risk: 'reversible',
  undo: 'The sysctl.d file is removed (or restored) and every value it changed is set back as it was.',
  params: (values) => ({admin: values.admin_user, sshPort: values.ssh_port}),
  probe: (f) => (f.family === 'macos' ? {} : {files: [SYSCTL_FILE], queries: {sysctl_keys: READ}}),
  offline: () => ({
    queries: {sysctl_keys: {code: 0, out: BASELINE.map(([k]) => `${k} 0 rw`).join('\n')}},
  }),
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    if (facts.family === 'macos' || facts.os.kernel !== 'Linux') {
      findings.push({level: 'info', message: 'the kernel baseline is for Linux; not offered here'});
      return {actions: [], findings, onRollback: []};
    }
    const keys = parseKeys(probe.queries.sysctl_keys?.out ?? '');
    // ufw sets these from /etc/ufw/sysctl.conf at every start and reload (log_martians=0): a value of ours
    // would be undone by the next reload and planned again by every run. Left to ufw, and said so.
    const ufwOwns = facts.firewall.ufw !== 'absent' ? UFW_OWNS : [];
    if (ufwOwns.length)
      findings.push({
        level: 'info',
        message: `left to ufw, which sets them at every reload (/etc/ufw/sysctl.conf): ${ufwOwns.join(', ')}`,
      });
    const set: (readonly [string, string])[] = [];
    const readOnly: string[] = [];
    for (const [k, v] of BASELINE) {
      if (ufwOwns.includes(k)) continue;
      const s = keys.get(k);
      if (!s || s.value === undefined) continue;
      if (!s.writable) {
        if (s.value !== v) readOnly.push(k);
        continue;
      }
      set.push([k, v]);
    }
    if (readOnly.length)
      findings.push({
        level: 'info',
        message: `read-only here (a container: the host's kernel decides), left out: ${readOnly.join(', ')}`,
      });
    findings.push({
      level: 'info',
      message: 'left as they are: net.ipv4.ip_forward (WireGuard routing), ptrace and BPF limits (agents need them)',
    });
    const content = `# Managed by portcullis: the kernel baseline (sysctl step). Removed by portcullis rollback.\n${set.map(([k, v]) => `${k} = ${v}\n`).join('')}`;
    const changed = set.filter(([k, v]) => keys.get(k)?.value !== v);
    const fileOk = probe.files[SYSCTL_FILE]?.content === content;
    if (fileOk && !changed.length) return {actions: [], findings, onRollback: []};
    const actions: Action[] = [];
    if (!fileOk) actions.push({kind: 'file.write', path: SYSCTL_FILE, content, mode: 0o644});
    const expect = set.map(([k, v]) => `${k}=${v}`);
    actions.push(
      {kind: 'run', label: `load ${SYSCTL_FILE} (sysctl -p)`, argv: ['sysctl', '-q', '-p', SYSCTL_FILE]},
      {
        kind: 'run',
        label: 'read every value back (sysctl -n)',
        argv: [
          'sh',
          '-c',
          'for kv in "$@"; do k=${kv%%=*}; v=$(sysctl -n "$k") && [ "$v" = "${kv#*=}" ] || { echo "$k is $v, not ${kv#*=}" >&2; exit 1; }; done',
          'sh',
          ...expect,
        ],
      },
    );
    if (access.kind === 'ssh') {
      // The way in the earlier steps left: the admin, on the run's port if sshd still has it.
      const user = p.admin ?? access.user;
      const ports = sshPorts(facts);
      const port = ports.includes(access.port) ? access.port : (p.sshPort ?? ports[0] ?? access.port);
      actions.push({kind: 'proof', route: {user, port}, what: `${user} still logs in with the kernel baseline`});
    }
    // Values as they were, set back by a rollback (the file alone would only apply at the next boot).
    const onRollback = changed
      .map(([k]) => [k, keys.get(k)?.value] as const)
      .filter((kv): kv is readonly [string, string] => kv[1] !== undefined)
      .map(([k, old]): RollbackAction => ({kind: 'run', argv: ['sysctl', '-q', '-w', `${k}=${old}`]}));
    return {actions, findings, onRollback};
  },
};
