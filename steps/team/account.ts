import {quote} from '../../src/util/shell.js';
import {userName} from '../../src/util/validate.js';

/** Every file useradd, usermod and groupadd rewrite: restored byte for byte by a rollback. */
export const ACCOUNT_FILES = [
  '/etc/passwd',
  '/etc/shadow',
  '/etc/group',
  '/etc/gshadow',
  '/etc/subuid',
  '/etc/subgid',
  '/etc/passwd-',
  '/etc/shadow-',
  '/etc/group-',
  '/etc/gshadow-',
  '/etc/subuid-',
  '/etc/subgid-',
];

/** What the probe learned about one member's account. Never a password hash: only whether it is locked. */
export interface AccountState {
  exists: boolean;
  uid?: number;
  home?: string;
  /** First two characters of the shadow password field ('!' locked, '*' no password, '$...' a hash). */
  pw?: string;
  /** Account expiry (days since 1970), '' when none. */
  expire?: string;
  groups: string[];
  /** authorized_keys / authorized_keys2 present in ~/.ssh. */
  keyFiles: string[];
  /** authorized_keys, exactly as on disk. */
  keys?: string;
  sshDir: boolean;
  /** ~ or ~/.ssh is a symbolic link: never written through. */
  symlink: boolean;
  /** Key files in ~/.ssh that are symbolic links (never read; removed as the member when they leave). */
  keyLinks: string[];
  procs: number;
  /** For an account that does not exist yet: /home/NAME is already there. */
  homeTaken: boolean;
}

export const queryName = (name: string) => `team_${name}`;

/** Run as the member, $1 their home: ~/.ssh, which key files are there (A: a link), authorized_keys unless a link. */
const MEMBER_QUERY = [
  '[ -d "$1/.ssh" ] && echo D',
  'for f in authorized_keys authorized_keys2; do',
  '  [ -L "$1/.ssh/$f" ] && printf "A %s\\n" "$f"',
  '  { [ -f "$1/.ssh/$f" ] || [ -L "$1/.ssh/$f" ]; } && printf "F %s\\n" "$f"',
  'done',
  '[ -f "$1/.ssh/authorized_keys" ] && [ ! -L "$1/.ssh/authorized_keys" ] && printf "K %s\\n" "$(base64 < "$1/.ssh/authorized_keys" | tr -d "\\n")"',
  'true',
].join('\n');

/** Read-only: the account, its lock state (first characters only), groups, keys and running processes. */
export function accountQuery(name: string): string {
  const u = quote(userName(name, 'member name'));
  return [
    `u=${u}`,
    `if ! p=$(getent passwd "$u"); then [ -e "/home/$u" ] && echo H; echo NONE; exit 0; fi`,
    `printf 'P %s\\n' "$p"`,
    `printf 'S %s\\n' "$(getent shadow "$u" | awk -F: '{print substr($2,1,2) ":" $8}')"`,
    `printf 'G %s\\n' "$(id -nG "$u")"`,
    'h=$(printf %s "$p" | cut -d: -f6)',
    '{ [ -L "$h" ] || [ -L "$h/.ssh" ]; } && echo L',
    // Inside the home, as the member: what they can see is all that is read (never a link root would follow).
    `pc_as "$u" sh -c ${quote(MEMBER_QUERY)} sh "$h"`,
    `printf 'C %s\\n' "$(pgrep -u "$u" 2>/dev/null | wc -l)"`,
  ].join('\n');
}

export function parseAccount(out: string): AccountState {
  const lines = out.split('\n');
  const st: AccountState = {
    exists: false,
    groups: [],
    keyFiles: [],
    sshDir: false,
    symlink: false,
    keyLinks: [],
    procs: 0,
    homeTaken: lines.includes('H'),
  };
  if (lines.includes('NONE') || !lines.some((l) => l.startsWith('P '))) return st;
  st.exists = true;
  for (const l of lines) {
    const [tag, rest = ''] = [l.slice(0, 1), l.slice(2)];
    if (l === 'L') st.symlink = true;
    else if (l === 'D') st.sshDir = true;
    else if (tag === 'P') {
      const f = rest.split(':');
      st.uid = Number(f[2]);
      st.home = f[5];
    } else if (tag === 'S') {
      const i = rest.lastIndexOf(':');
      st.pw = rest.slice(0, i);
      st.expire = rest.slice(i + 1);
    } else if (tag === 'G') st.groups = rest.split(/\s+/).filter(Boolean);
    else if (tag === 'F') st.keyFiles.push(rest);
    else if (tag === 'A') st.keyLinks.push(rest);
    else if (tag === 'K') st.keys = Buffer.from(rest, 'base64').toString('utf8');
    else if (tag === 'C') st.procs = Number(rest) || 0;
  }
  return st;
}
