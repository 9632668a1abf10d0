import {type Facts, sshPorts} from '../src/core/facts.js';
import type {Action, Finding, RollbackAction, Step} from '../src/core/types.js';
import {firewallBackend} from '../src/platform/firewall/index.js';
import {FAIL2BAN_DOWN} from '../src/platform/profiles.js';
import {
  F2B_LOCAL,
  ignoreEntry,
  JAIL_FILE,
  type JailLimits,
  type JailSettings,
  renderFail2banLocal,
  renderJail,
  seconds,
} from '../src/render/fail2ban.js';
import {assertNever, InputError} from '../src/util/errors.js';
import {cidr, isIPv6} from '../src/util/validate.js';

export interface Fail2banParams {
  admin?: string;
  sshPort?: number;
  sshd: JailLimits;
  /** Repeat offenders: 2 bans in 7 days, banned 30 days (all ports). */
  recidive?: JailLimits;
  wgSubnet?: string;
}

const RECIDIVE: JailLimits = {maxretry: 2, findtime: '7d', bantime: '30d'};

/** The operator's own address never gets banned; an IPv6 client gets its whole /64 (privacy addresses rotate). */
export function operatorIgnore(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const a = ignoreEntry(address, 'your client address');
  if (!isIPv6(a)) return a;
  const [head = '', tail = ''] = a.split('::');
  const groups = [...head.split(':').filter(Boolean), ...Array(8).fill('0')].slice(0, 8);
  if (tail) {
    const t = tail.split(':');
    groups.splice(8 - t.length, t.length, ...t);
  }
  const head4 = groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
  return `${head4.join(':')}::/64`.replace(/(:0)+::\/64$/, '::/64');
}

/** An IPv4 address inside an IPv4 network written as a.b.c.d/n. */
function insideV4(address: string, network: string): boolean {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(network);
  if (!m || !/^\d+\.\d+\.\d+\.\d+$/.test(address)) return false;
  const toInt = (ip: string) => ip.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const bits = Number(m[2]);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (toInt(address) & mask) >>> 0 === (toInt(m[1] ?? '') & mask) >>> 0;
}

/** Where sshd's failures are read: the journal on systemd hosts (Debian 12 has no auth.log), files elsewhere. */
export function logSource(f: Facts): JailSettings['sshd']['source'] {
  if (f.init === 'systemd') {
    const v = f.ssh.version;
    // OpenSSH >= 9.8 logs authentication from sshd-session; matching the process name also saves us when the unit name differs.
    const session = v === null || v.major > 9 || (v.major === 9 && v.minor >= 8);
    const unit = /^[A-Za-z0-9@._-]+$/.test(f.ssh.unit) ? f.ssh.unit : 'sshd';
    return {
      backend: 'systemd',
      journalmatch: [`_SYSTEMD_UNIT=${unit}.service`, '_COMM=sshd', ...(session ? ['_COMM=sshd-session'] : [])].join(
        ' + ',
      ),
    };
  }
  return {backend: 'auto', logpath: f.family === 'alpine' ? '/var/log/messages' : '/var/log/auth.log'};
}

function installs(f: Facts): Action[] {
  const pm = f.packageManager;
  switch (f.family) {
    case 'debian':
      // python3-systemd is only recommended, and the systemd backend fails without it.
      return [{kind: 'package.install', manager: pm, packages: ['fail2ban', 'python3-systemd']}];
    case 'rhel':
      return f.os.id === 'fedora'
        ? [{kind: 'package.install', manager: pm, packages: ['fail2ban']}]
        : [
            {kind: 'package.install', manager: pm, packages: ['epel-release']},
            {kind: 'package.install', manager: pm, packages: ['fail2ban']},
          ];
    case 'arch':
    case 'alpine':
    case 'macos':
    case 'unknown':
      return [{kind: 'package.install', manager: pm, packages: ['fail2ban']}];
    default:
      return assertNever(f.family, 'family');
  }
}

export const fail2ban: Step<Fail2banParams> = {
  id: 'fail2ban',
  title: 'fail2ban',
  why: 'SSH gets hammered from the first minute; banning an address after a few failed logins turns that noise into a short, self-cleaning log. Your own address is never banned.',
  risk: 'reversible',
  undo: 'The jail files are restored (removed if new) and fail2ban is restarted, or stopped again if it was not running before.',
  params: (values) => ({
    admin: values.admin_user,
    sshPort: values.ssh_port,
    sshd: {
      maxretry: values.fail2ban_maxretry,
      findtime: String(values.fail2ban_findtime),
      bantime: String(values.fail2ban_bantime),
    },
    recidive: values.fail2ban_recidive ? RECIDIVE : undefined,
    wgSubnet: values.wg_subnet,
  }),
  probe: (f) =>
    f.family === 'macos'
      ? {}
      : {
          files: [JAIL_FILE, F2B_LOCAL],
          queries: {
            f2b_present: 'command -v fail2ban-client',
            f2b_active: f.init === 'openrc' ? 'rc-service fail2ban status' : 'systemctl is-active fail2ban',
            f2b_sshd: 'fail2ban-client status sshd',
            ...(f.family === 'debian' ? {f2b_pysystemd: "python3 -c 'import systemd.journal'"} : {}),
          },
        },
  offline: () => ({
    queries: {
      f2b_present: {code: 1, out: ''},
      f2b_active: {code: 3, out: 'inactive'},
      f2b_sshd: FAIL2BAN_DOWN,
      f2b_pysystemd: {code: 1, out: "ModuleNotFoundError: No module named 'systemd'"},
    },
  }),
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    if (facts.family === 'macos') {
      findings.push({
        level: 'info',
        message:
          "fail2ban is not offered on macOS: sshd logs to the unified log, not the file fail2ban's macOS paths read, and its pf action needs an anchor of its own; the SSH hardening and pf firewall steps protect this Mac",
      });
      return {actions: [], findings, onRollback: []};
    }
    const backend = firewallBackend(facts);
    if (!backend) {
      findings.push({level: 'error', message: `no firewall portcullis knows on ${facts.os.pretty} to carry the bans`});
      return {actions: [], findings, onRollback: []};
    }
    if (facts.os.id === 'rhel') {
      findings.push({
        level: 'warn',
        message: 'fail2ban comes from EPEL, which RHEL does not enable by itself; the install fails until it is',
        fix: 'subscription-manager repos --enable codeready-builder-for-rhel-9-$(arch)-rpms && dnf install -y https://dl.fedoraproject.org/pub/epel/epel-release-latest-9.noarch.rpm',
      });
    }
    const ports = [...new Set([...sshPorts(facts), ...(p.sshPort !== undefined ? [p.sshPort] : [])])];
    const ignoreip = ['127.0.0.1/8', '::1'];
    if (p.wgSubnet) {
      const c = cidr(p.wgSubnet, 'wg_subnet');
      ignoreip.push(`${c.address}/${c.prefix}`);
    }
    // Addresses the operator came from before stay exempt: a later run from another address (or
    // through the tunnel) adds to the list instead of rewriting it, so re-runs change nothing.
    const before = /^ignoreip = (.*)$/m.exec(probe.files[JAIL_FILE]?.content ?? '')?.[1]?.split(/\s+/) ?? [];
    for (const a of before) {
      try {
        const e = ignoreEntry(a, 'ignoreip entry');
        if (!ignoreip.includes(e)) ignoreip.push(e);
      } catch {
        // Not ours to keep: the file is rewritten from checked values only.
      }
    }
    try {
      const me = operatorIgnore(facts.operator.clientAddress);
      if (me && !ignoreip.includes(me) && !ignoreip.some((n) => insideV4(me, n))) ignoreip.push(me);
    } catch (e) {
      findings.push({
        level: 'error',
        message: `${(e as Error).message}; it must go into ignoreip so you are never banned`,
      });
      return {actions: [], findings, onRollback: []};
    }
    if (!facts.operator.clientAddress && access.kind === 'ssh') {
      findings.push({
        level: 'warn',
        message:
          'your client address is unknown, so it is not in ignoreip: a few failed logins from it would ban you too',
      });
    }
    let jail: string;
    let local: string;
    try {
      jail = renderJail({
        ignoreip,
        firewall: backend,
        sshd: {...p.sshd, ports, source: logSource(facts)},
        recidive: p.recidive,
      });
      const longest = [p.sshd.bantime, p.recidive?.bantime ?? '1d'].sort((a, b) => seconds(b) - seconds(a))[0] ?? '1d';
      local = renderFail2banLocal(longest);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      findings.push({level: 'error', message: e.message});
      return {actions: [], findings, onRollback: []};
    }

    const q = probe.queries;
    const present = q.f2b_present?.code === 0;
    const needInstall = !present || (facts.family === 'debian' && q.f2b_pysystemd?.code !== 0);
    const running = q.f2b_active?.code === 0;
    const jailOk = probe.files[JAIL_FILE]?.content === jail;
    const localOk = probe.files[F2B_LOCAL]?.content === local;
    if (!needInstall && jailOk && localOk && running && q.f2b_sshd?.code === 0)
      return {actions: [], findings, onRollback: []};

    const actions: Action[] = needInstall ? installs(facts) : [];
    if (!jailOk) actions.push({kind: 'file.write', path: JAIL_FILE, content: jail, mode: 0o644});
    if (!localOk) actions.push({kind: 'file.write', path: F2B_LOCAL, content: local, mode: 0o644});
    actions.push(
      {kind: 'run', label: 'check the fail2ban configuration (fail2ban-client -t)', argv: ['fail2ban-client', '-t']},
      // Enabled at boot, then (re)started once: `enable --now` right before a restart stops a daemon still
      // starting up, and fail2ban then hangs in its stop for about 30 s (seen on Debian 12).
      {kind: 'service', op: 'enable', unit: 'fail2ban', init: facts.init},
      {kind: 'service', op: 'restart', unit: 'fail2ban', init: facts.init},
      {
        kind: 'run',
        label: 'check the sshd jail runs (fail2ban-client status sshd; the daemon needs a moment)',
        argv: [
          'sh',
          '-c',
          // Polled four times a second for up to 20 s (a sleep without fractions waits 1 s instead).
          'end=$(( $(date +%s) + 20 )); while [ "$(date +%s)" -lt "$end" ]; do fail2ban-client status sshd >/dev/null 2>&1 && exit 0; sleep 0.25 2>/dev/null || sleep 1; done; fail2ban-client status sshd',
        ],
      },
    );
    if (access.kind === 'ssh') {
      const user = p.admin ?? access.user;
      const port = sshPorts(facts).includes(access.port) ? access.port : (ports[0] ?? access.port);
      actions.push({
        kind: 'proof',
        route: {user, port},
        what: `${user} still logs in on port ${port} with fail2ban on`,
      });
    }
    const onRollback: RollbackAction[] = [
      {kind: 'service', op: running ? 'restart' : present ? 'stop' : 'disable-now', unit: 'fail2ban', init: facts.init},
    ];
    return {actions, findings, onRollback};
  },
};
