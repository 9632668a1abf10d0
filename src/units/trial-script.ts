import {quote} from '../util/shell.js';
import {FAILED_PREFIX, HEADER, type Slot} from './sandbox-drop-in.js';

/** How long the trial waits for a restarted unit to be active (and listening), and then stay active. */
export const TRIAL_WAIT = {polls: 20, pollS: 0.25, steadyS: 1};

/**
 * The shell that finds the sandboxing a unit runs with, on the target (run as root, $1 unit, $2 drop-in
 * path, $3 port or ''): every directive at once first (one restart when the unit tolerates them all);
 * when that fails, directives one by one up to the first the unit fails with, its weaker alternatives,
 * then the rest at once again. "Runs" means: active after a restart, listening on the port if one is
 * given, and a moment later still active with the same main process (a unit that crashes and is
 * restarted by Restart= is seen active now and then, but never steady). Each directive it fails with is printed ("left out ...") with
 * the unit's last log line, and recorded in the drop-in's header, which ends exactly as
 * renderDropIn(outcome) renders it. Exits non-zero when the unit does not run even with the directives
 * kept (or at all): the step's rollback then restores the drop-in as it was.
 */
export function trialScript(slots: readonly Slot[]): string {
  const data: string[] = [`S=${slots.length}`];
  slots.forEach((s, i) => {
    data.push(`n_${i}=${s.alternatives.length}`);
    s.alternatives.forEach((a, j) => {
      data.push(`a_${i}_${j}=${quote(a.lines.map((l) => `${l}\n`).join(''))}`, `l_${i}_${j}=${quote(a.label)}`);
    });
  });
  const w = TRIAL_WAIT;
  return [
    "u=$1; f=$2; port=$3; nl='\n'",
    `H=${quote(HEADER)}; FP=${quote(FAILED_PREFIX)}`,
    ...data,
    'mkdir -p "${f%/*}" || exit 1',
    'put() { printf \'%s\' "$1" > "$f.pc-new" && chmod 0644 "$f.pc-new" && mv -f "$f.pc-new" "$f"; }',
    // A restart limit hit by the trial's own restarts must not count as the unit failing.
    `runs() {
  systemctl daemon-reload || return 1
  systemctl reset-failed "$u" 2>/dev/null
  systemctl restart "$u" 2>/dev/null || return 1
  p=0
  while [ "$p" -lt ${w.polls} ]; do
    sleep ${w.pollS}; p=$((p+1))
    systemctl is-active --quiet "$u" || continue
    if [ -z "$port" ] || ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
      s=$(systemctl show -p MainPID,NRestarts "$u"); sleep ${w.steadyS}
      systemctl is-active --quiet "$u" && [ "$(systemctl show -p MainPID,NRestarts "$u")" = "$s" ]; return
    fi
  done
  return 1
}`,
    'content() { c="$H$nl"; [ -z "$failed" ] || c="$c$FP$failed$nl"; c="$c[Service]$nl$kept$1"; }',
    // `ran`: the content the unit last ran with (empty after a failed try).
    'try() { content "$1"; ran=\'\'; put "$c" && runs && ran=$c; }',
    `note() {
  failed="\${failed:+$failed }$1"
  why=$(journalctl -u "$u" -n 1 -o cat --no-pager 2>/dev/null | tr -cd '[:print:]' | cut -c1-160)
  echo "left out $1: $u did not run with it\${why:+ ($why)}"
}`,
    `kept=''; failed=''; i=0
while [ "$i" -lt "$S" ]; do
  rest=''; k=$i
  while [ "$k" -lt "$S" ]; do eval "rest=\\$rest\\$a_\${k}_0"; k=$((k+1)); done
  if try "$rest"; then kept="$kept$rest"; break; fi
  while [ "$i" -lt "$S" ]; do
    eval "x=\\$a_\${i}_0"
    if try "$x"; then kept="$kept$x"; i=$((i+1)); continue; fi
    eval "note \\"\\$l_\${i}_0\\""
    j=1; eval "n=\\$n_$i"
    while [ "$j" -lt "$n" ]; do
      eval "x=\\$a_\${i}_\${j}"
      if try "$x"; then kept="$kept$x"; echo "kept $(printf '%s' "$x" | head -n 1) instead"; break; fi
      eval "note \\"\\$l_\${i}_\${j}\\""
      j=$((j+1))
    done
    i=$((i+1)); break
  done
done`,
    // The last try passing with these very bytes is the proof: no restart more.
    `content ''
if [ "$c" != "$ran" ]; then
  put "$c" || exit 1
  runs || { echo "$u does not run with the directives it passed one by one; the step rolls back" >&2; exit 1; }
fi`,
    // systemd accepts IPAddressDeny where it cannot enforce it (no cgroup BPF firewall, as in many
    // containers) and says so only once in its log: knocked on from the server's own public address.
    `case "$kept" in *IPAddressDeny=any*)
  [ -n "$port" ] && a=$(ip -o -4 addr show scope global 2>/dev/null | awk '$2 != "wg0" {split($4, p, "/"); print p[1]; exit}')
  if [ -n "\${a:-}" ] && timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' sh "$a" "$port" 2>/dev/null; then
    echo "warning: IPAddressDeny is not enforced on this host: $a:$port still answers from outside loopback and the tunnel (systemd has no cgroup BPF firewall here, as in many containers); the firewall is what keeps it in"
  fi ;;
esac`,
    'echo "$u runs with the drop-in: $(systemd-analyze security "$u" --no-pager 2>/dev/null | tail -n 1 | tr -cd \'[:print:]\')"',
  ].join('\n');
}
