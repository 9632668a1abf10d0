import {createHash} from 'node:crypto';
import {chmodSync, existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {stateHome} from '../core/paths.js';
import {AS_USER_FN} from '../engine/as-user.js';
import {EVIDENCE_MARK, evidenceFrames} from '../engine/protocol.js';
import {InputError} from '../util/errors.js';
import {quote} from '../util/shell.js';
import {hostSlug} from '../wg/client-store.js';

/**
 * Evidence of a box that may be under attack, taken before anything on it changes: one read-only round
 * trip, one file per item on the operator's machine, and a SHA256SUMS file (`sha256sum -c` verifies it).
 * Nothing is written on the target, and password hashes are never read: users' files are read as those
 * users and links are never followed.
 */
export interface EvidenceItem {
  file: string;
  what: string;
  /** Shell command lines, each run and recorded with its exit code. `$PC_DAYS` is the look-back in days. */
  commands: string[];
}

/** Per command output cap on the target side, so one runaway log cannot stall the capture. */
export const MAX_COMMAND_BYTES = 4 * 1024 * 1024;

const AUTH_WORDS =
  'fail|invalid|refused|denied|not allowed|authentication error|maximum authentication|did not receive';

export const EVIDENCE_ITEMS: readonly EvidenceItem[] = [
  {
    file: 'host.txt',
    what: 'host, clock and the session that took the capture',
    commands: [
      'hostname',
      'date -u +%Y-%m-%dT%H:%M:%SZ',
      'echo "capturing session (SSH_CONNECTION): ${PC_SSH_CONNECTION:-none (local)}"',
      'uname -a',
      'uptime',
      'cat /etc/os-release',
    ],
  },
  {
    file: 'listening.txt',
    what: 'listening sockets and their processes',
    commands: ['ss -tulpn 2>/dev/null || netstat -tulpn'],
  },
  {
    file: 'connections.txt',
    what: 'established connections and their processes',
    commands: ['ss -tnp state established 2>/dev/null || netstat -tnp', 'ss -unp'],
  },
  {
    file: 'processes.txt',
    what: 'every process with its parent, owner, start time and command line',
    commands: ['ps -eo pid,ppid,user,lstart,args --forest 2>/dev/null || ps aux'],
  },
  {
    file: 'sessions.txt',
    what: 'logged-in sessions',
    commands: ['who -a', 'w', 'loginctl list-sessions --no-pager'],
  },
  {
    file: 'logins.txt',
    what: "last logins, failed logins and each account's last login",
    commands: ['last -F -w -n 50', 'lastb -F -w -n 50', 'lastlog'],
  },
  {
    file: 'accounts.txt',
    what: 'accounts, groups and password status (never the hashes)',
    commands: ['getent passwd', 'getent group', 'passwd -S -a 2>/dev/null || true'],
  },
  {
    file: 'authorized-keys.txt',
    what: 'authorized_keys of every user, with fingerprints',
    commands: [
      "sshd -T 2>/dev/null | grep -iE '^(authorizedkeysfile|authorizedkeyscommand|authorizedprincipalsfile|trustedusercakeys) '",
      // A user's files are read as that user, and a link is recorded, never followed: a link planted at
      // ~/.ssh or authorized_keys2 must not bring /etc/shadow (or any file the user cannot read) into the bundle.
      [
        AS_USER_FN,
        'getent passwd | while IFS=: read -r u _ _ _ _ h _; do',
        '  [ -n "$h" ] || continue',
        '  for l in "$h" "$h/.ssh"; do [ -L "$l" ] && echo "### $u: $l is a symbolic link to $(readlink -- "$l") (not followed)"; done',
        '  [ ! -L "$h" ] && [ ! -L "$h/.ssh" ] && [ -d "$h/.ssh" ] || continue',
        '  for f in "$h"/.ssh/authorized_keys*; do',
        '    if [ -L "$f" ]; then echo "### $u: $f is a symbolic link to $(readlink -- "$f") (not followed)"; ls -ln "$f"; echo; continue; fi',
        '    [ -f "$f" ] || continue',
        '    echo "### $u: $f"; ls -ln "$f"; pc_as "$u" cat -- "$f" </dev/null; echo "--- fingerprints (ssh-keygen -lf)"; pc_as "$u" ssh-keygen -lf "$f" </dev/null; echo',
        '  done',
        'done',
      ].join('\n'),
      'for f in /etc/ssh/authorized_keys* /etc/ssh/authorized_keys/*; do [ -f "$f" ] && { echo "### $f"; cat "$f"; ssh-keygen -lf "$f"; }; done; true',
    ],
  },
  {
    file: 'sudoers.txt',
    what: 'sudoers and sudoers.d, and who is in the sudo groups',
    commands: [
      'ls -la /etc/sudoers.d',
      'for f in /etc/sudoers /etc/sudoers.d/*; do [ -f "$f" ] && { echo "### $f"; cat "$f"; }; done; true',
      'getent group sudo wheel admin',
    ],
  },
  {
    file: 'crontabs.txt',
    what: 'crontabs of all users, /etc/cron*, and systemd timers',
    commands: [
      'ls -la /etc/cron* /var/spool/cron /var/spool/cron/crontabs 2>&1',
      'for f in /etc/crontab /etc/anacrontab /etc/cron.d/* /var/spool/cron/crontabs/* /var/spool/cron/*; do [ -f "$f" ] && { echo "### $f"; cat "$f"; }; done; true',
      'systemctl list-timers --all --no-pager',
    ],
  },
  {
    file: 'systemd-recent.txt',
    what: 'systemd units and init scripts changed in the look-back window (mtime or ctime)',
    commands: [
      'for d in /etc/systemd /lib/systemd /usr/lib/systemd /run/systemd/system /etc/init.d /etc/rc.local; do [ -e "$d" ] && readlink -f "$d"; done | sort -u | while read -r d; do find "$d" -xdev \\( -mtime -"$PC_DAYS" -o -ctime -"$PC_DAYS" \\) ! -type d -ls 2>/dev/null; done',
      'systemctl list-unit-files --state=enabled --no-pager',
    ],
  },
  {
    file: 'firewall.txt',
    what: 'firewall rules as every tool present sees them',
    commands: [
      'ufw status verbose',
      'nft list ruleset',
      'iptables-save',
      'ip6tables-save',
      'firewall-cmd --list-all',
      'fail2ban-client status',
    ],
  },
  {
    file: 'auth-failures.txt',
    what: 'recent authentication failures (journal, else the auth log)',
    commands: [
      `if command -v journalctl >/dev/null 2>&1; then journalctl -q --no-pager -o short-iso --since "-\${PC_DAYS}d" SYSLOG_FACILITY=4 SYSLOG_FACILITY=10 | grep -Ei '${AUTH_WORDS}' | tail -n 5000; else cat /var/log/auth.log /var/log/secure /var/log/messages 2>/dev/null | grep -Ei '${AUTH_WORDS}' | tail -n 5000; fi`,
    ],
  },
];

/**
 * The capture script: one round trip; each item is framed and base64-encoded, with each command's exit
 * code recorded inside it. Runs as root; writes nothing on the target.
 */
export function captureScript(days: number): string {
  if (!Number.isInteger(days) || days < 1 || days > 90) throw new InputError('evidence_days must be 1 to 90');
  const lines = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH',
    'export LC_ALL=C SYSTEMD_PAGER= SYSTEMD_COLORS=0 COLUMNS=250',
    `PC_DAYS=${days}; PC_SSH_CONNECTION="$1"; export PC_DAYS PC_SSH_CONNECTION`,
    'pcto() { if command -v timeout >/dev/null 2>&1; then timeout 60 "$@"; else "$@"; fi; }',
    // Output goes to fd 4 (the item's stream) through a size cap; the command's own exit code comes back
    // on fd 3, so nothing is written on the target. stdin is /dev/null: this script itself is on stdin.
    `pcsec() { printf '## $ %s\\n' "$1"; rc=$( { { pcto sh -c "$1" 2>&1 </dev/null; echo $? >&3; } | head -c ${MAX_COMMAND_BYTES} >&4; } 3>&1 ); printf '\\n## exit %s\\n\\n' "$rc"; }`,
  ];
  for (const item of EVIDENCE_ITEMS) {
    lines.push(
      `printf '${EVIDENCE_MARK}%s\\n' ${quote(item.file)}`,
      `{ ${item.commands.map((c) => `pcsec ${quote(c)}`).join('; ')}; } 4>&1 | base64 | tr -d '\\n'; echo`,
    );
  }
  return lines.join('\n');
}

/** The items from the capture's stdout, by file name. */
export function parseCapture(stdout: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, bytes] of evidenceFrames(stdout)) {
    if (!EVIDENCE_ITEMS.some((it) => it.file === name)) continue;
    out.set(name, bytes);
  }
  return out;
}

export function defaultEvidenceBase(): string {
  return join(stateHome(), 'portcullis', 'evidence');
}

/** `<host>-<UTC timestamp>`, e.g. vps-20250101T120000Z. */
export function bundleName(host: string, at: Date): string {
  return `${hostSlug(host)}-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * Writes the bundle: a new 0700 directory (never an existing one), one 0600 file per item, a
 * MANIFEST.txt saying what each file holds, and SHA256SUMS over all of them.
 */
export function writeBundle(
  base: string,
  host: string,
  at: Date,
  items: Map<string, Buffer>,
  meta: {target: string; days: number},
): string {
  mkdirSync(base, {recursive: true, mode: 0o700});
  let dir = join(base, bundleName(host, at));
  for (let n = 2; existsSync(dir); n++) dir = join(base, `${bundleName(host, at)}-${n}`);
  mkdirSync(dir, {mode: 0o700});
  chmodSync(dir, 0o700);
  const files = new Map<string, Buffer>();
  for (const item of EVIDENCE_ITEMS) files.set(item.file, items.get(item.file) ?? Buffer.from(''));
  const manifest = [
    '# portcullis incident evidence',
    `target: ${meta.target}`,
    `captured (UTC, this machine's clock): ${at.toISOString()}`,
    `look-back: ${meta.days} day(s)`,
    'each file records every command it ran ("## $ ...") and its exit code ("## exit N");',
    'verify with: sha256sum -c SHA256SUMS',
    '',
    ...EVIDENCE_ITEMS.map(
      (it) => `${it.file}: ${it.what}${items.has(it.file) ? '' : ' (MISSING: not in the capture)'}`,
    ),
    '',
  ].join('\n');
  files.set('MANIFEST.txt', Buffer.from(manifest));
  const sums: string[] = [];
  for (const [name, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const p = join(dir, name);
    writeFileSync(p, content, {mode: 0o600, flag: 'wx'});
    chmodSync(p, 0o600);
    sums.push(`${sha256(content)}  ${name}`);
  }
  writeFileSync(join(dir, 'SHA256SUMS'), `${sums.join('\n')}\n`, {mode: 0o600, flag: 'wx'});
  chmodSync(join(dir, 'SHA256SUMS'), 0o600);
  return dir;
}
