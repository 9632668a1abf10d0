import type {Action, Finding, RollbackAction} from '../../src/core/types.js';
import type {TeamMember} from '../../src/team/team-file.js';
import {ACCOUNT_FILES, type AccountState} from './account.js';
import {withMemberKey} from './member-key.js';

/** The changes for a member who is (still) on the team: account, groups, key. */
export function planActive(
  m: TeamMember,
  a: AccountState,
  actions: Action[],
  findings: Finding[],
  onRollback: RollbackAction[],
) {
  const key = m.key as string;
  const home = a.home ?? `/home/${m.name}`;
  if (!a.exists) {
    actions.push({
      kind: 'run',
      label: `create user ${m.name} (home ${home}${m.groups.length ? `, groups ${m.groups.join(', ')}` : ''}; key login only)`,
      // '*' is "no password", not "locked": key logins work even where sshd runs without PAM.
      argv: [
        'useradd',
        '-m',
        '-d',
        home,
        '-s',
        '/bin/bash',
        '-p',
        '*',
        '-c',
        'team member (portcullis)',
        ...(m.groups.length ? ['-G', m.groups.join(',')] : []),
        m.name,
      ],
      touches: ACCOUNT_FILES,
    });
    if (a.homeTaken)
      findings.push({
        level: 'warn',
        message: `${home} already exists without an account; it becomes ${m.name}'s home and is kept on rollback`,
      });
    else onRollback.push({kind: 'home.remove', user: m.name, path: home});
  } else {
    if (a.expire === '1') {
      const unlock = a.pw?.startsWith('!') && a.pw.length > 1;
      actions.push({
        kind: 'run',
        label: `reactivate ${m.name} (marked active again: account expiry cleared${unlock ? ', password lock lifted' : ''})`,
        argv: ['usermod', ...(unlock ? ['-U'] : []), '-e', '', m.name],
        touches: ACCOUNT_FILES,
      });
    }
    const missing = m.groups.filter((g) => !a.groups.includes(g));
    if (missing.length)
      actions.push({
        kind: 'run',
        label: `add ${m.name} to ${missing.join(', ')}`,
        argv: ['usermod', '-aG', missing.join(','), m.name],
        touches: ACCOUNT_FILES,
      });
    const extra = a.groups.filter((g) => g !== m.name && !m.groups.includes(g));
    if (extra.length)
      findings.push({
        level: 'info',
        message: `${m.name} is also in ${extra.join(', ')} (kept: a team file only adds groups)`,
      });
  }
  const current = a.keys ?? '';
  const wanted = withMemberKey(current, key);
  if (wanted === current && a.sshDir) return;
  const dir = `${home}/.ssh`;
  // Everything in the member's home is done as the member (engine/as-user.ts): whatever links they plant
  // there reach only what they could reach themselves.
  if (!a.sshDir)
    actions.push({
      kind: 'run',
      label: `create ${dir} (0700, owned by ${m.name})`,
      argv: ['mkdir', '-p', '-m', '0700', dir],
      as: m.name,
    });
  if (wanted !== current)
    actions.push({kind: 'file.write', path: `${dir}/authorized_keys`, content: wanted, mode: 0o600, as: m.name});
}

/** The changes for a member who left: the account locked, the keys gone, their processes ended. */
export function planLeft(m: TeamMember, a: AccountState, actions: Action[], findings: Finding[]) {
  if (!a.exists) {
    findings.push({level: 'info', message: `${m.name} has left and has no account on this server`});
    return;
  }
  const locked = a.expire === '1' && a.pw?.startsWith('!') === true;
  if (!locked)
    actions.push({
      kind: 'run',
      label: `lock ${m.name} (left): password locked and the account expired, so no login of any kind is accepted`,
      argv: ['usermod', '-L', '-e', '1', m.name],
      touches: ACCOUNT_FILES,
    });
  for (const f of a.keyFiles)
    actions.push({kind: 'file.remove', path: `${a.home ?? `/home/${m.name}`}/.ssh/${f}`, as: m.name});
  if (a.procs > 0)
    actions.push({
      kind: 'run',
      label: `end ${m.name}'s ${a.procs} running process(es): open sessions outlive a lock`,
      argv: [
        'sh',
        '-c',
        'pkill -TERM -u "$1"; i=0; while [ $i -lt 5 ] && pgrep -u "$1" >/dev/null; do sleep 1; i=$((i+1)); done; pkill -KILL -u "$1"; true',
        'sh',
        m.name,
      ],
    });
}
