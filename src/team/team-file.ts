import {readFileSync, statSync} from 'node:fs';
import {resolve} from 'node:path';
import {z} from 'zod';
import type {Team} from '../core/values.js';
import {positionOf, readYaml} from '../core/yaml.js';
import {InputError} from '../util/errors.js';
import {CONTROL, sshPublicKey} from '../util/validate.js';

/**
 * The team file of the team-onboarding recipe, on the operator's machine:
 *
 *   members:
 *     - name: alice                      # login name and WireGuard peer name
 *       key: ssh-ed25519 AAAA... alice@laptop
 *       groups: [developers]             # optional, added (never removed)
 *     - name: bob
 *       key: ssh-ed25519 AAAA...
 *       state: left                      # locks the account, removes its keys, revokes its peer
 *
 * A member who is simply deleted from the file is left alone: offboarding is explicit (`state: left`).
 */
export type {Team, TeamMember} from '../core/values.js';

export const MAX_TEAM_BYTES = 1024 * 1024;
/** A login name that is also a safe peer and file name: no dots, no slashes, no leading _ or -. */
export const MEMBER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
export const GROUP_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Accounts a team file never manages, whatever the server says about them. */
const RESERVED = new Set(['root', 'daemon', 'bin', 'sys', 'sync', 'nobody', 'sshd', 'portcullis']);

const member = z
  .object({
    name: z.string().max(64),
    key: z.string().max(16_384).optional(),
    groups: z.array(z.string().max(64)).max(32).optional(),
    state: z.enum(['active', 'left']).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!MEMBER_NAME.test(m.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `${JSON.stringify(m.name)} is not a member name (a login name: lowercase letters, digits, _ and -, starting with a letter, at most 32; no dots or slashes)`,
      });
      return;
    }
    if (RESERVED.has(m.name))
      ctx.addIssue({code: 'custom', path: ['name'], message: `${m.name} is a system account, not a team member`});
    for (const [i, g] of (m.groups ?? []).entries()) {
      if (!GROUP_NAME.test(g))
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i],
          message: `${JSON.stringify(g)} is not a group name (lowercase letters, digits, _ and -)`,
        });
      else if (g === 'root')
        ctx.addIssue({code: 'custom', path: ['groups', i], message: 'the root group is never given to a team member'});
    }
    if (m.key !== undefined) {
      try {
        sshPublicKey(m.key, `the key of ${m.name}`);
      } catch (e) {
        ctx.addIssue({code: 'custom', path: ['key'], message: (e as Error).message});
      }
    } else if (m.state !== 'left') {
      ctx.addIssue({code: 'custom', path: ['name'], message: `${m.name} needs key: (their SSH public key line)`});
    }
  });

const teamSchema = z
  .object({members: z.array(member).max(500)})
  .strict()
  .superRefine((t, ctx) => {
    const names = new Map<string, number>();
    const keys = new Map<string, string>();
    for (const [i, m] of t.members.entries()) {
      const first = names.get(m.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['members', i, 'name'],
          message: `${m.name} is listed twice (first as member ${first + 1}); one entry per member`,
        });
      else names.set(m.name, i);
      const blob = m.key?.trim().split(/ +/)[1];
      if (blob && m.state !== 'left') {
        const owner = keys.get(blob);
        if (owner && owner !== m.name)
          ctx.addIssue({
            code: 'custom',
            path: ['members', i, 'key'],
            message: `${m.name} has the same key as ${owner}; every member logs in with a key of their own`,
          });
        else keys.set(blob, m.name);
      }
    }
  });

/** Reads and checks a team file; every problem is an InputError naming file:line:col. */
export function loadTeamFile(path: string): Team {
  if (CONTROL.test(path)) throw new InputError('team_file must not contain newlines or control characters');
  const file = resolve(path);
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InputError(`team file ${file} is not a regular file`);
    if (st.size > MAX_TEAM_BYTES) throw new InputError(`team file ${file} is larger than 1 MiB and is refused`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read team file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseTeam(text, file);
}

export function parseTeam(text: string, file: string): Team {
  if (Buffer.byteLength(text) > MAX_TEAM_BYTES)
    throw new InputError(`team file ${file} is larger than 1 MiB and is refused`);
  const y = readYaml(text, file, 50);
  const res = teamSchema.safeParse(y.data ?? {});
  if (!res.success) {
    const issue = res.error.issues[0];
    const path = (issue?.path ?? []) as (string | number)[];
    const pos = positionOf(y, path);
    throw new InputError(`${file}:${pos.line}:${pos.col}: ${path.join('.') || 'team file'}: ${describe(issue)}`);
  }
  return {
    file,
    members: res.data.members.map((m) => ({
      name: m.name,
      key: m.key === undefined ? undefined : sshPublicKey(m.key),
      groups: [...new Set(m.groups ?? [])],
      state: m.state ?? 'active',
    })),
  };
}

function describe(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  if (issue.code === 'unrecognized_keys')
    return `unknown key(s) ${issue.keys.join(', ')} (a member has name, key, groups and state)`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => String(v)).join(', ')}`;
  return issue.message;
}

/**
 * A member marked as left is locked and their peer revoked: never the account the run logs in as, nor the
 * admin user (that would lock the operator out). Checked before connecting with the names known then
 * (TARGET's user, admin_user) and again before the first step with the login the server reports.
 */
export function checkTeamKeepsOperator(team: Team, keep: readonly (string | undefined)[]): void {
  for (const m of team.members)
    if (m.state === 'left' && keep.includes(m.name))
      throw new InputError(
        `team file ${team.file}: ${m.name} is the account this run logs in as (or the admin user); marking it as left would lock you out`,
      );
}

/** The team file a run's team_file names, read and checked; undefined without one. */
export function teamOf(teamFile: string | undefined): Team | undefined {
  return teamFile === undefined ? undefined : loadTeamFile(teamFile);
}

/** The WireGuard peers a team file asks for: one per active member, and the members who left to revoke. */
export function teamPeers(team: Team | undefined): {add: string[]; remove: string[]} {
  if (!team) return {add: [], remove: []};
  return {
    add: team.members.filter((m) => m.state === 'active').map((m) => m.name),
    remove: team.members.filter((m) => m.state === 'left').map((m) => m.name),
  };
}
