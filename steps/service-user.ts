import type {Action, Finding, RollbackAction, Step} from '../src/core/types.js';
import {NOLOGIN} from '../src/core/values.js';
import {type HealthParams, healthOf, serviceProof} from '../src/units/health.js';
import {SUDO_ALL} from '../src/units/values.js';
import {quote} from '../src/util/shell.js';
import {WG_CONF} from './wireguard.js';

export interface ServiceUserParams {
  user?: string;
  unit?: string;
  shell: string;
  /** Unset: sudo is not managed; []: the account has no sudo rule of ours. */
  sudo?: string[];
  health: HealthParams;
  timeout: number;
}

export {NOLOGIN};
export const userDropIn = (unit: string) => `/etc/systemd/system/${unit}.d/60-portcullis-user.conf`;
export const sudoersFile = (user: string) => `/etc/sudoers.d/80-portcullis-service-${user}`;

export function renderUserDropIn(user: string): string {
  return `# Managed by portcullis (service-user): the agent's unit runs as its own account.\n[Service]\nUser=${user}\nGroup=${user}\n`;
}

/** The sudoers file: exactly the given commands, without a password (a service account has none). */
export function renderSudoers(user: string, commands: readonly string[]): string {
  const rule = commands.includes(SUDO_ALL)
    ? `${user} ALL=(ALL) NOPASSWD: ALL`
    : `${user} ALL=(root) NOPASSWD: ${commands.join(', ')}`;
  return `# Managed by portcullis (service-user): what ${user} may run as root, and nothing else.\n${rule}\n`;
}

/** passwd line fields 3 (uid) and 7 (shell), read from `getent passwd`. */
function passwdOf(out: string | undefined): {uid: number; shell: string} | undefined {
  const f = (out ?? '').trim().split(':');
  if (f.length < 7 || !/^\d+$/.test(f[2] ?? '')) return undefined;
  return {uid: Number(f[2]), shell: f[6] ?? ''};
}

function showOf(out: string | undefined): Record<string, string> {
  const m: Record<string, string> = {};
  for (const l of (out ?? '').split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) m[l.slice(0, i)] = l.slice(i + 1).trim();
  }
  return m;
}

export {showOf as unitShow};

export const serviceUser: Step<ServiceUserParams> = {
  id: 'service-user',
  title: "The agent's service account",
  why: 'An agent running as root or as a person hands all of it to whoever steers the agent: its own account, with no password, no login shell and sudo for the few commands it needs, limits what a hijacked agent can do.',
  risk: 'reversible',
  undo: "The unit's User= drop-in and the sudoers file are restored (or removed), the unit restarted as before, and an account this step made is deleted.",
  params: (values) => ({
    user: values.service_user,
    unit: values.service_unit,
    shell: values.service_shell,
    sudo: values.sudo_commands,
    health: healthOf(values),
    timeout: values.confirm_timeout,
  }),
  probe: (_facts, p) =>
    p.user && p.unit
      ? {
          files: [userDropIn(p.unit), sudoersFile(p.user), WG_CONF],
          queries: {
            svc_passwd: `getent passwd ${p.user}`,
            svc_password: `passwd -S ${p.user}`,
            svc_unit: `systemctl show -p LoadState,ActiveState,User,NeedDaemonReload ${quote(p.unit)}`,
            svc_commands: `for c in ${(p.sudo ?? [])
              .filter((c) => c !== SUDO_ALL)
              .map((c) => quote(c.split(' ')[0] as string))
              .join(' ')}; do [ -x "$c" ] || echo "$c"; done`,
          },
        }
      : {},
  offline: (_facts, p) => ({
    queries: {
      svc_passwd: {code: 2, out: ''},
      svc_password: {code: 1, out: ''},
      svc_unit: {code: 0, out: `LoadState=loaded\nActiveState=active\nUser=\nNeedDaemonReload=no`},
      svc_commands: {code: 0, out: ''},
    },
    files: p.unit ? {[userDropIn(p.unit)]: {exists: false}} : {},
  }),
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    const actions: Action[] = [];
    const onRollback: RollbackAction[] = [];
    if (!p.user || !p.unit) {
      findings.push({
        level: 'error',
        message: "name the agent's unit and its account: --set service_unit=NAME.service --set service_user=NAME",
        needs: [p.unit ? 'service_user' : 'service_unit'],
      });
      return {actions, findings, onRollback};
    }
    if (facts.init !== 'systemd') {
      findings.push({level: 'info', message: 'service accounts for units need systemd; not offered here'});
      return {actions, findings, onRollback};
    }
    const {user, unit} = p;
    const show = showOf(probe.queries.svc_unit?.out);
    if (show.LoadState !== 'loaded') {
      findings.push({
        level: 'error',
        message: `${unit} is not a unit on this server (${show.LoadState || 'not found'})`,
      });
      return {actions, findings, onRollback};
    }
    if (show.ActiveState !== 'active' && show.User !== user) {
      // Proven by running it: a stopped unit would be started by the restart.
      findings.push({
        level: 'error',
        message: `${unit} is ${show.ActiveState || 'not running'}: start it first (the account is proven by running the unit under it)`,
      });
      return {actions, findings, onRollback};
    }
    const pw = probe.queries.svc_passwd?.code === 0 ? passwdOf(probe.queries.svc_passwd.out) : undefined;
    if (pw && pw.uid === 0) {
      findings.push({level: 'error', message: `${user} has uid 0: it is root by another name, no service account`});
      return {actions, findings, onRollback};
    }
    // `passwd -S`: the second field is P when the account has a usable password.
    if (pw && probe.queries.svc_password?.out.trim().split(/\s+/)[1] === 'P') {
      findings.push({
        level: 'error',
        message: `${user} exists and has a password: a person's account, not a service account; choose another service_user (or lock it: passwd -l ${user})`,
      });
      return {actions, findings, onRollback};
    }
    const missing = (probe.queries.svc_commands?.out ?? '').split('\n').filter((l) => l.startsWith('/'));
    if (missing.length)
      findings.push({
        level: 'warn',
        message: `not an executable on this server (the sudo rule is written anyway): ${missing.join(', ')}`,
      });
    if (!pw) {
      actions.push({
        kind: 'run',
        label: `create the service account ${user} (no password, shell ${p.shell}, no home)`,
        argv: [
          'useradd',
          '--system',
          '--user-group',
          '--no-create-home',
          '--home-dir',
          '/nonexistent',
          '--shell',
          p.shell,
          user,
        ],
      });
      onRollback.push({kind: 'user.remove', user, home: false});
    } else if (pw.shell !== p.shell) {
      actions.push({
        kind: 'run',
        label: `set ${user}'s login shell to ${p.shell}`,
        argv: ['usermod', '--shell', p.shell, user],
      });
      onRollback.push({kind: 'run', argv: ['usermod', '--shell', pw.shell, user], orTrue: true});
    }
    findings.push({
      level: 'info',
      message: `files ${unit} writes outside its StateDirectory= and friends must be ${user}'s: this step changes no ownership, and a health check that only connects cannot see a write that fails later (service_health_path can point at one that exercises them)`,
    });
    const dropIn = renderUserDropIn(user);
    const dropInOk = probe.files[userDropIn(unit)]?.content === dropIn;
    if (!dropInOk) actions.push({kind: 'file.write', path: userDropIn(unit), content: dropIn, mode: 0o644});
    if (p.sudo) {
      const path = sudoersFile(user);
      const have = probe.files[path];
      if (p.sudo.length && have?.content !== renderSudoers(user, p.sudo)) {
        if (p.sudo.includes(SUDO_ALL))
          findings.push({
            level: 'warn',
            message: `sudo_nopasswd_all: ${user} may run anything as root without a password; whoever steers the agent owns the server. A list of the commands it needs keeps that out of reach`,
          });
        // Checked by visudo where sudo never reads it (a name with a dot), then renamed into place.
        actions.push({
          kind: 'run',
          label: `write ${path} once visudo -cf accepts it: ${p.sudo.join(', ')}`,
          argv: [
            'sh',
            '-c',
            't=$(mktemp /etc/sudoers.d/.pc-new.XXXXXX) && cat > "$t" && chmod 0440 "$t" && visudo -cf "$t" >/dev/null && mv -f "$t" "$1" || { rm -f "$t"; exit 1; }',
            'sh',
            path,
          ],
          stdin: renderSudoers(user, p.sudo),
          touches: [path],
        });
        actions.push({kind: 'run', label: 'check every sudoers file with visudo -c', argv: ['visudo', '-c']});
      } else if (!p.sudo.length && have?.exists) {
        actions.push({kind: 'file.remove', path});
      }
    }
    const running = show.User === user && show.NeedDaemonReload === 'no' && show.ActiveState === 'active';
    if (!actions.length && running) return {actions, findings, onRollback};
    if (!dropInOk || !running) {
      actions.push(
        {kind: 'service', op: 'daemon-reload', unit, init: facts.init},
        {kind: 'service', op: 'restart', unit, init: facts.init},
      );
    }
    actions.unshift({kind: 'timer.arm', seconds: p.timeout});
    actions.push(serviceProof(unit, p.health, probe.files[WG_CONF], access.host), {kind: 'timer.disarm'});
    // After the files are restored: the unit runs as before, then the account it ran as can go.
    onRollback.unshift(
      {kind: 'service', op: 'daemon-reload', unit, init: facts.init},
      {
        kind: 'service',
        op: show.ActiveState === 'active' ? 'restart' : 'try-restart',
        unit,
        init: facts.init,
        resetFailed: true,
        orTrue: true,
      },
    );
    return {actions, findings, onRollback};
  },
};
