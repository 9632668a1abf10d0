import {quote} from '../util/shell.js';
import {CONTROL} from '../util/validate.js';

/**
 * The server's security posture as sorted lines, one fact a line, the same for `check` (over SSH) and the
 * on-server watch (offline): what listens beyond loopback, sshd's effective settings, the firewall's
 * rules, WireGuard peers and fail2ban jails. Read only. Runs as root (POSIX sh, Linux tools; a tool that
 * is missing contributes nothing). fail2ban's own ban rules are left out: bans come and go. The five
 * reads run side by side (ufw and fail2ban-client are Python, slow to start).
 */
export const POSTURE_FN = String.raw`pc_listen() {
  ss -Hlntup 2>/dev/null | awk '{
    proc = "-"
    if (match($0, /users:\(\("[^"]*"/)) proc = substr($0, RSTART + 9, RLENGTH - 10)
    n = split($5, a, ":"); port = a[n]; addr = substr($5, 1, length($5) - length(port) - 1)
    sub(/%[A-Za-z0-9_.-]+$/, "", addr)
    if (addr ~ /^(127\.|\[::1\]$|::1$|\[::ffff:127\.)/) next
    print "listen " $1 " " addr ":" port " " proc
  }' | sort -u
}
pc_firewall() {
  if command -v ufw >/dev/null 2>&1; then
    ufw status verbose 2>/dev/null | grep -v 'by Fail2Ban' | sed '/^[[:space:]]*$/d; s/[[:space:]][[:space:]]*/ /g; s/^/firewall ufw /'
  fi
  if command -v nft >/dev/null 2>&1; then
    nft list table inet portcullis 2>/dev/null | sed -E 's/counter packets [0-9]+ bytes [0-9]+ ?//; s/[[:space:]]+/ /g; s/^ //; /^$/d; s/^/firewall nft /'
  fi
  if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
    firewall-cmd --list-all 2>/dev/null | sed 's/^[[:space:]]*//; /^$/d; s/^/firewall firewalld /'
  fi
}
pc_jails() {
  fail2ban-client status 2>/dev/null | sed -n 's/.*Jail list:[[:space:]]*//p' | tr ',' '
' | sed 's/^[[:space:]]*//; /^$/d; s/^/jail /' | sort
}
pc_posture() {
  pcd=$(mktemp -d) || return 1
  pc_listen > "$pcd/1" &
  sshd -T 2>/dev/null | sort | sed 's/^/sshd /' > "$pcd/2" &
  pc_firewall > "$pcd/3" &
  wg show all allowed-ips 2>/dev/null | sed 's/[[:space:]][[:space:]]*/ /g; s/^/wg /' | sort > "$pcd/4" &
  pc_jails > "$pcd/5" &
  wait
  cat "$pcd/1" "$pcd/2" "$pcd/3" "$pcd/4" "$pcd/5"
  rm -rf "$pcd"
}`;

/**
 * Turns `diff`-style lines (`+LINE` new, `-LINE` gone) of two postures into one sentence each, an
 * operator's words: `python3 now listens on 0.0.0.0:9999/tcp`. One renderer for check and the watch.
 */
export const DRIFT_WORDS_AWK = String.raw`awk '
  { sign = substr($0, 1, 1); line = substr($0, 2); split(line, f, " ") }
  f[1] == "listen" && sign == "+" { print "listen\t" f[4] " now listens on " f[3] "/" f[2]; next }
  f[1] == "listen" { print "listen\tnothing listens on " f[3] "/" f[2] " any more (" f[4] " did)"; next }
  f[1] == "sshd" && sign == "+" { v = line; sub(/^sshd [^ ]+ ?/, "", v); print "sshd\tsshd now has " f[2] " " v; next }
  f[1] == "sshd" { v = line; sub(/^sshd [^ ]+ ?/, "", v); print "sshd\tsshd no longer has " f[2] " " v; next }
  f[1] == "firewall" { v = line; sub(/^firewall [^ ]+ /, "", v); print "firewall\t" f[2] (sign == "+" ? " now shows: " : " no longer shows: ") v; next }
  f[1] == "wg" { print "wg\tWireGuard peer " f[3] " on " f[2] (sign == "+" ? " was added (" f[4] ")" : " is gone") ; next }
  f[1] == "jail" { print "jail\tfail2ban jail " f[2] (sign == "+" ? " now runs" : " no longer runs"); next }
  { print "other\t" (sign == "+" ? "new: " : "gone: ") line }
'`;

/** Where the last apply left its posture on the server (root only). */
export const POSTURE_FILE = '/var/lib/portcullis/posture';

/** Records the posture as the last apply left it: what `check` and the watch compare with. */
export function recordPostureScript(): string {
  return [
    POSTURE_FN,
    'umask 077',
    `mkdir -p ${quote(POSTURE_FILE.replace(/\/[^/]+$/, ''))}`,
    `pc_posture > ${quote(`${POSTURE_FILE}.new`)} && mv -f ${quote(`${POSTURE_FILE}.new`)} ${quote(POSTURE_FILE)}`,
  ].join('\n');
}

/**
 * Compares the posture now with the recorded one and prints one `DRIFT\tkind\twords` line per difference,
 * or `NOBASELINE` when no apply recorded one. Read only.
 */
export function driftScript(): string {
  return [
    POSTURE_FN,
    `[ -f ${quote(POSTURE_FILE)} ] || { echo NOBASELINE; exit 0; }`,
    'now=$(mktemp) || exit 1',
    'pc_posture > "$now"',
    `diff ${quote(POSTURE_FILE)} "$now" | sed -n 's/^> /+/p; s/^< /-/p' | ${DRIFT_WORDS_AWK} | sed 's/^/DRIFT\t/'`,
    'rm -f "$now"',
  ].join('\n');
}

export interface Drift {
  kind: 'listen' | 'sshd' | 'firewall' | 'wg' | 'jail' | 'other' | 'plan';
  message: string;
}

/** Reads driftScript's output; lines are the server's text and are kept to what the script prints. */
export function parseDrift(out: string): {baseline: boolean; drift: Drift[]} {
  if (/^NOBASELINE$/m.test(out)) return {baseline: false, drift: []};
  const drift: Drift[] = [];
  for (const line of out.split('\n')) {
    const m = /^DRIFT\t(listen|sshd|firewall|wg|jail|other)\t(.*)$/.exec(line);
    // Never a raw control character from the server on the operator's terminal.
    if (m?.[1] && m[2] !== undefined)
      drift.push({kind: m[1] as Drift['kind'], message: m[2].replace(new RegExp(CONTROL.source, 'g'), '?')});
  }
  return {baseline: true, drift};
}
