import {canonical} from '../../src/core/net.js';

/** One TCP connection to sshd, with the processes holding it. */
export interface SshSession {
  /** As ss prints it (192.0.2.66:51234, [2001:db8::66]:51234): how the kill script finds it again. */
  peer: string;
  address: string;
  port: number;
  localPort: number;
  pids: number[];
  /** sshd's process title of the first holder, e.g. "sshd: admin [priv]". */
  title: string;
}

function splitHostPort(s: string): {host: string; port: number} | undefined {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(s);
  if (!m) return undefined;
  return {host: (m[1] ?? '').replace(/%.*$/, ''), port: Number(m[2])};
}

/** `ss -Htnp state established` and `ps -eo pid=,args=`: the connections to one of the SSH ports. */
export function parseSessions(ssOut: string, psOut: string, sshPorts: readonly number[]): SshSession[] {
  const titles = new Map<number, string>();
  for (const l of psOut.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(l);
    if (m) titles.set(Number(m[1]), (m[2] ?? '').trim());
  }
  const out: SshSession[] = [];
  for (const line of ssOut.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    // With a state filter ss leaves the State column out: Recv-Q Send-Q Local Peer [Process].
    const [, , local = '', peer = '', ...proc] = cols;
    const l = splitHostPort(local);
    const p = splitHostPort(peer);
    if (!l || !p || !sshPorts.includes(l.port)) continue;
    const pids = [...proc.join(' ').matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    let address = p.host;
    try {
      address = canonical(p.host);
    } catch {
      // Not an address we can read: shown as ss printed it.
    }
    out.push({
      peer,
      address,
      port: p.port,
      localPort: l.port,
      pids: [...new Set(pids)],
      title: titles.get(pids[0] ?? -1) ?? 'unknown process',
    });
  }
  return out;
}

/** Is this the connection the run itself came in on (SSH_CONNECTION's client address and port)? */
export function isOwnSession(
  s: SshSession,
  clientAddress: string | undefined,
  clientPort: number | undefined,
): boolean {
  if (!clientAddress || clientPort === undefined) return false;
  let mine = clientAddress;
  try {
    mine = canonical(clientAddress);
  } catch {}
  return s.address === mine && s.port === clientPort;
}

/**
 * Ends the processes holding one connection. Checked again at the moment of the kill: each pid must
 * still hold a connection from that peer, and it must not be an ancestor of this very script (the
 * operator's own session carries it), whatever the plan said.
 */
export const KILL_SESSION = [
  'peer=$1; shift',
  'anc=" "; p=$$',
  'while [ -n "$p" ] && [ "$p" -gt 1 ]; do anc="$anc$p "; p=$(awk \'/^PPid:/ {print $2}\' /proc/$p/status 2>/dev/null); done',
  'now=$(ss -Htnp state established)',
  'for pid in "$@"; do',
  '  case "$anc" in *" $pid "*) echo "pid $pid carries this session: left alone" >&2; continue;; esac',
  '  printf "%s\\n" "$now" | grep -F -- " $peer " | grep -qF "pid=$pid," || { echo "pid $pid no longer holds $peer"; continue; }',
  '  kill -TERM "$pid" 2>/dev/null && echo "ended pid $pid ($peer)"',
  'done',
  // Give the connection a moment to close, so what is read right after sees it gone.
  'i=0; while [ $i -lt 30 ] && ss -Htn state established | grep -qF -- " $peer "; do sleep 0.1; i=$((i+1)); done',
  'true',
].join('\n');

export function sessionLabel(s: SshSession): string {
  return `the SSH session from ${s.peer} (${s.title}, pid ${s.pids.join(', ') || '?'})`;
}
