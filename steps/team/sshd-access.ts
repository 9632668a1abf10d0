import type {Facts} from '../../src/core/facts.js';
import type {Action, FileState} from '../../src/core/types.js';
import type {Team} from '../../src/team/team-file.js';
import {userName} from '../../src/util/validate.js';

/** An AllowUsers pattern (user or user@host, with * and ?) that lets `name` in. */
function allowUsersLets(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => {
    const user = p.split('@')[0] ?? '';
    const re = new RegExp(
      `^${user
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return re.test(name);
  });
}
/** Our drop-in that lets the team's members through sshd's AllowUsers/AllowGroups (they add up across files). */
export function teamDropin(f: Facts): string {
  return `${f.ssh.dropinDir}/01-portcullis-team.conf`;
}

export const TEAM_MARK =
  '# Managed by portcullis (team-onboarding): the active members of the team file. Change the team file, not this file.';

/** The AllowUsers/AllowGroups words of one keyword in a drop-in of ours. */
function dropinWords(text: string, keyword: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.toLowerCase().startsWith(`${keyword.toLowerCase()} `))
    .flatMap((l) => l.split(/\s+/).slice(1))
    .filter(Boolean);
}

/**
 * What sshd must be told so every active member can log in, and no member who left is named: sshd adds
 * AllowUsers (and AllowGroups) up across files, so our drop-in names the active members the rest of the
 * configuration leaves out, and only when the rest restricts logins at all (an AllowUsers of our own on a
 * host without one would lock everyone else out). Undefined: nothing to change.
 */
export function planSshdAccess(
  facts: Facts,
  team: Team,
  current: FileState | undefined,
): {action: Action; expect: string[]; what: string} | undefined {
  const path = teamDropin(facts);
  const ours = current?.exists ? (current.content ?? '') : '';
  if (current?.exists && !ours.startsWith(TEAM_MARK)) return undefined;
  const minus = (all: readonly string[], mine: readonly string[]) => {
    const left = [...all];
    for (const w of mine) {
      const i = left.indexOf(w);
      if (i >= 0) left.splice(i, 1);
    }
    return left;
  };
  const effective = (k: string) => (facts.ssh.effective[k] ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
  const otherUsers = minus(effective('allowusers'), dropinWords(ours, 'AllowUsers'));
  const otherGroups = minus(effective('allowgroups'), dropinWords(ours, 'AllowGroups'));
  const active = team.members.filter((m) => m.state === 'active');
  const users = otherUsers.length ? active.filter((m) => !allowUsersLets(otherUsers, m.name)).map((m) => m.name) : [];
  // A member's own group (useradd makes one per user): in AllowGroups only when the rest restricts groups.
  const groups = otherGroups.length
    ? active.filter((m) => ![m.name, ...m.groups].some((g) => otherGroups.includes(g))).map((m) => m.name)
    : [];
  const lines = [
    ...(users.length ? [`AllowUsers ${users.map((u) => userName(u, 'member name')).join(' ')}`] : []),
    ...(groups.length ? [`AllowGroups ${groups.map((g) => userName(g, 'group name')).join(' ')}`] : []),
  ];
  const wanted = lines.length ? `${TEAM_MARK}\n${lines.join('\n')}\n` : '';
  if (wanted === ours) return undefined;
  const expect = [...users.map((u) => `allowusers ${u}`), ...groups.map((g) => `allowgroups ${g}`)];
  if (!wanted) return {action: {kind: 'file.remove', path}, expect, what: 'sshd no longer names members who left'};
  return {
    action: {kind: 'file.write', path, content: wanted, mode: 0o644},
    expect,
    what: `sshd lets ${[...new Set([...users, ...groups])].join(', ')} in`,
  };
}
