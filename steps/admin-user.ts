import {createHash} from 'node:crypto';
import type {Action, Finding, RollbackAction, Step} from '../src/core/types.js';
import {sudoGroup} from '../src/platform/adapters.js';
import {quote} from '../src/util/shell.js';
import {sshPublicKey} from '../src/util/validate.js';

/** Exit code of the admin_keys probe when the user's authorized_keys is a symbolic link. */
const KEYS_LINK = 9;

export interface AdminParams {
  user: string | undefined;
  keys: string[];
  sudo: 'password' | 'nopasswd' | 'keep';
  password?: string;
}

/** SHA256 fingerprint as sshd logs it, so we can pick the very key the operator logged in with. */
export function fingerprint(keyLine: string): string {
  const blob = keyLine.trim().split(/\s+/)[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

export const adminUser: Step<AdminParams> = {
  id: 'admin-user',
  title: 'Admin user',
  why: 'Root login and passwords go next, so first there must be a non-root sudo user whose key login is proven: the way in that stays.',
  risk: 'reversible',
  undo: 'A created user is deleted; keys, group membership and sudoers changes are restored to their previous bytes.',
  params(values, facts) {
    let keys: string[];
    if (values.admin_key !== undefined) keys = [values.admin_key];
    else {
      // Prefer the key this very session used; otherwise every key root accepts.
      const fp = facts.operator.keyFingerprint;
      const mine = facts.rootKeys.filter((k) => fp && fingerprint(k) === fp);
      keys = (mine.length ? mine : facts.rootKeys).map((k) => sshPublicKey(k, 'root authorized key'));
    }
    return {user: values.admin_user, keys, sudo: values.admin_sudo, password: values.admin_password};
  },
  probe: (_facts, p) =>
    p.user
      ? {
          queries: {
            admin_passwd: `getent passwd ${p.user}`,
            admin_groups: `id -nG ${p.user}`,
            // As the user (engine/as-user.ts): never through a link root would follow; a link is exit 9.
            admin_keys: `h=$(getent passwd ${p.user} | cut -d: -f6); [ -n "$h" ] && pc_as ${p.user} sh -c ${quote(`{ [ -L "\${1%/*}" ] || [ -L "$1" ]; } && exit ${KEYS_LINK}; cat -- "$1"`)} sh "$h/.ssh/authorized_keys"`,
            admin_sudo_nopasswd: `cat /etc/sudoers.d/90-portcullis-${p.user}`,
            admin_password_state: `passwd -S ${p.user}`,
          },
        }
      : {},
  offline: () => ({
    queries: {
      admin_passwd: {code: 2, out: ''},
      admin_groups: {code: 1, out: ''},
      admin_keys: {code: 1, out: ''},
      admin_sudo_nopasswd: {code: 1, out: ''},
      admin_password_state: {code: 1, out: ''},
    },
    files: {},
  }),
  plan({facts, params: p, probe, access}) {
    const findings: Finding[] = [];
    const actions: Action[] = [];
    const onRollback: RollbackAction[] = [];
    if (!p.user) {
      findings.push({
        level: 'error',
        message:
          'you log in as root and root login will be turned off: name the admin user who stays (--set admin_user=NAME)',
        needs: ['admin_user'],
      });
      return {actions, findings, onRollback};
    }
    const u = p.user;
    if (facts.family === 'macos') {
      findings.push({level: 'info', message: 'macOS: portcullis does not create users; use an existing admin account'});
    }
    const exists = probe.queries.admin_passwd?.code === 0 && probe.queries.admin_passwd.out.trim() !== '';
    const home = exists
      ? (probe.queries.admin_passwd?.out.split(':')[5] ?? `/home/${u}`)
      : facts.family === 'macos'
        ? `/Users/${u}`
        : `/home/${u}`;
    const group = sudoGroup(facts);
    const groups = (probe.queries.admin_groups?.out ?? '').trim().split(/\s+/);
    if (!exists) {
      if (facts.family === 'macos') {
        findings.push({level: 'error', message: `user ${u} does not exist; create it in System Settings first`});
        return {actions, findings, onRollback};
      }
      if (p.sudo === 'keep') {
        findings.push({
          level: 'error',
          message: `user ${u} does not exist yet: say how it will use sudo: --set admin_sudo=password with --set admin_password=..., or --set admin_sudo=nopasswd (any process running as ${u} then gets root without a password)`,
          needs: ['admin_sudo'],
        });
        return {actions, findings, onRollback};
      }
      actions.push({
        kind: 'run',
        label: `create user ${u} (home ${home}, group ${group})`,
        argv: ['useradd', '-m', '-s', '/bin/bash', '-G', group, u],
      });
      // The account was made by this run: its processes (a login left behind by a cut connection) would
      // keep userdel from removing it. Never when the rollback itself rides that account (SUDO_USER).
      onRollback.push({kind: 'user.remove', user: u, home: true});
    } else if (!groups.includes(group) && facts.family !== 'macos') {
      actions.push({kind: 'run', label: `add ${u} to group ${group}`, argv: ['usermod', '-aG', group, u]});
      onRollback.push({kind: 'run', argv: ['gpasswd', '-d', u, group], quiet: 'stderr', orTrue: true});
    }
    // `passwd -S`: the second field is P when the user has a usable password (L locked, NP none).
    const hasPassword = exists && probe.queries.admin_password_state?.out.trim().split(/\s+/)[1] === 'P';
    if (p.sudo === 'password' && hasPassword) {
      findings.push({level: 'info', message: `${u} already has a password; it is kept (sudo asks for it)`});
    } else if (p.sudo === 'password') {
      if (!p.password) {
        findings.push({
          level: 'error',
          message: 'admin_sudo=password needs the password to set: --set admin_password=... (or answer the prompt)',
          needs: ['admin_password'],
        });
        return {actions, findings, onRollback};
      }
      // On chpasswd's stdin from the script itself (a shell builtin): never in an argv `ps` shows.
      actions.push({
        kind: 'run',
        label: `set the sudo password of ${u}`,
        argv: ['chpasswd'],
        stdin: `${u}:${p.password}\n`,
        touches: ['/etc/shadow'],
        secret: true,
      });
    } else if (p.sudo === 'nopasswd') {
      const content = `# Managed by portcullis: ${u} may use sudo without a password (chosen explicitly).\n${u} ALL=(ALL) NOPASSWD:ALL\n`;
      if (
        probe.queries.admin_sudo_nopasswd?.out !== content.trimEnd() &&
        probe.queries.admin_sudo_nopasswd?.out !== content
      ) {
        actions.push({kind: 'file.write', path: `/etc/sudoers.d/90-portcullis-${u}`, content, mode: 0o440});
        actions.push({kind: 'run', label: 'check the sudoers files with visudo', argv: ['visudo', '-c']});
      }
    }
    if (probe.queries.admin_keys?.code === KEYS_LINK) {
      findings.push({
        level: 'error',
        message: `${home}/.ssh or its authorized_keys is a symbolic link; portcullis never reads or writes through one (make them a directory and a file by hand)`,
      });
      return {actions, findings, onRollback};
    }
    const current = (probe.queries.admin_keys?.code === 0 ? probe.queries.admin_keys.out : '')
      .split('\n')
      .filter((l) => l.trim());
    const blobs = new Set(current.map((l) => l.trim().split(/\s+/)[1]).filter(Boolean));
    const missing = p.keys.filter((k) => !blobs.has(k.split(/\s+/)[1]));
    if (!p.keys.length && current.length === 0) {
      findings.push({
        level: 'error',
        message: `no SSH key to install for ${u}: root has none in authorized_keys; pass one with --set admin_key="ssh-ed25519 AAAA..."`,
      });
      return {actions, findings, onRollback};
    }
    if (missing.length) {
      const content = `${[...current, ...missing].join('\n')}\n`;
      // In the user's own home, as the user (engine/as-user.ts): a link there never leads root anywhere.
      actions.push({
        kind: 'run',
        label: `create ${home}/.ssh (0700, owned by ${u})`,
        argv: ['mkdir', '-p', '-m', '0700', `${home}/.ssh`],
        as: u,
      });
      actions.push({kind: 'file.write', path: `${home}/.ssh/authorized_keys`, content, mode: 0o600, as: u});
    }
    if (actions.length && access.kind === 'ssh') {
      actions.push({
        kind: 'proof',
        route: {user: u},
        what: `${u} logs in with the key`,
      });
    }
    return {actions, findings, onRollback};
  },
};
