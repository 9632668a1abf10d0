/**
 * The whole platform detection in one round trip. Read-only: it only reads files and runs query
 * commands. Output is `key<TAB>value` lines (a key may repeat); values never contain newlines.
 * $1 is the SSH_CONNECTION of the login, captured before sudo.
 */
export const DETECT_SCRIPT = String.raw`
set +e
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export LC_ALL=C
nl='
'
tab=$(printf '\t')
kv() { case "$2" in *"$nl"*|*"$tab"*) printf '%s\t%s\n' "$1" "$(printf '%s' "$2" | tr '\n\t' '  ')" ;; *) printf '%s\t%s\n' "$1" "$2" ;; esac; }
has() { command -v "$1" >/dev/null 2>&1; }
kvs() { awk -v k="$1" '{gsub(/\t/, " "); print k "\t" $0}'; }
kv ssh_connection "$1"
# ufw is a Python start (about 50 ms): it runs beside the rest and is read where its section is.
uf=''
if has ufw; then uf=$(mktemp 2>/dev/null) && { ufw status verbose >"$uf" 2>/dev/null & ufp=$!; }; fi
u=$SUDO_USER; [ -n "$u" ] || u=$(id -un); kv login_user "$u"
kv kernel "$(uname -s)"
kv hostname "$(hostname 2>/dev/null || uname -n)"
if [ -r /etc/os-release ] || [ -r /usr/lib/os-release ]; then
  f=/etc/os-release; [ -r "$f" ] || f=/usr/lib/os-release
  ( . "$f"; kv os_id "$ID"; kv os_like "$ID_LIKE"; kv os_version "$VERSION_ID"; kv os_pretty "$PRETTY_NAME" )
elif has sw_vers; then
  kv os_id macos; kv os_version "$(sw_vers -productVersion)"; kv os_pretty "macOS $(sw_vers -productVersion)"
fi
if [ -d /run/systemd/system ]; then kv init systemd
elif has rc-service || has openrc; then kv init openrc
elif [ "$(uname -s)" = Darwin ]; then kv init launchd
else kv init other; fi
for pm in apt-get dnf yum apk pacman brew; do if has $pm; then kv pkg $pm; break; fi; done
sshd=$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)
kv ssh_version "$( ($sshd -V 2>&1; ssh -V 2>&1) | grep -o 'OpenSSH_[0-9][0-9.p]*' | head -n 1)"
if [ -d /run/systemd/system ]; then
  if systemctl cat ssh.service >/dev/null 2>&1; then kv ssh_unit ssh; else kv ssh_unit sshd; fi
  kv ssh_socket_enabled "$(systemctl is-enabled ssh.socket 2>/dev/null)"
  kv ssh_socket_active "$(systemctl is-active ssh.socket 2>/dev/null)"
  for g in /usr/lib/systemd/system-generators/sshd-socket-generator /lib/systemd/system-generators/sshd-socket-generator; do
    [ -x "$g" ] && { kv ssh_socket_generator yes; break; }
  done
  kv armed_timers "$(systemctl list-units --all --plain --no-legend 'portcullis-rollback-*.timer' 2>/dev/null | awk '$3 == "active" {print $1}' | tr '\n' ' ')"
else
  # Without systemd the dead-man timer is a detached sleeper (dead-man.ts: a shell that sleeps the window, then execs
  # the step's rollback script with the word timer), alive until then; a reboot inside the window rolls back at boot.
  kv armed_timers "$(ps -eo args 2>/dev/null | sed -n 's|.*/runs/\([0-9A-Za-z_-]*\)/\([0-9A-Za-z_-]*\)/rollback\.sh timer.*|portcullis-rollback-\1-\2.sleeper|p' | sort -u | tr '\n' ' ')"
fi
if [ ! -d /run/systemd/system ] && has rc-service; then
  # OpenRC: Alpine's service is sshd, Debian's init script (run by OpenRC or sysvinit) is ssh.
  if [ -e /etc/init.d/sshd ]; then kv ssh_unit sshd; elif [ -e /etc/init.d/ssh ]; then kv ssh_unit ssh; fi
fi
[ "$(uname -s)" = Darwin ] && kv ssh_unit com.openssh.sshd
grep -qiE '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config.d' /etc/ssh/sshd_config 2>/dev/null && kv ssh_include yes
for f in /etc/ssh/sshd_config.d/*; do [ -e "$f" ] && kv ssh_dropin "$(basename "$f")"; done
[ -d /run/sshd ] || mkdir -p /run/sshd 2>/dev/null
t=$($sshd -t 2>&1); kv ssh_test_rc $?; kv ssh_test_msg "$t"
$sshd -T 2>/dev/null | kvs sshdT
if has ufw; then
  if [ -n "$uf" ]; then wait "$ufp"; u=$(cat "$uf"); rm -f "$uf"; else u=$(ufw status verbose 2>/dev/null); fi
  if printf '%s\n' "$u" | grep -q 'Status: active'; then
    kv ufw active
    printf '%s\n' "$u" | kvs ufw_line
    kv ufw_ipv6 "$(sed -n 's/^IPV6=//p' /etc/default/ufw 2>/dev/null | tr -d '"')"
  else kv ufw inactive; fi
fi
if has firewall-cmd; then
  if firewall-cmd --state >/dev/null 2>&1; then
    kv firewalld running
    z=$(firewall-cmd --get-default-zone 2>/dev/null)
    firewall-cmd --zone="$z" --list-all 2>/dev/null | kvs fwd_line
    for s in $(firewall-cmd --zone="$z" --list-services 2>/dev/null); do kv fwd_service "$s $(firewall-cmd --permanent --service="$s" --get-ports 2>/dev/null)"; done
  else kv firewalld stopped; fi
fi
if has nft; then
  nft list tables 2>/dev/null | kvs nft_table
  nft list table inet portcullis 2>/dev/null | kvs nft_pc
fi
if has pfctl; then
  if pfctl -s info 2>/dev/null | grep -q 'Status: Enabled'; then
    kv pf enabled
    pfctl -a portcullis -s rules 2>/dev/null | kvs pf_rule
  else kv pf disabled; fi
fi
if has docker; then
  kv docker yes
  docker ps --format '{{.Ports}}' 2>/dev/null | tr ',' '\n' | grep -- '->' | kvs docker_port
  iptables -w -C DOCKER-USER -j PORTCULLIS-DOCKER 2>/dev/null && kv docker_fw yes
fi
if has getenforce; then kv selinux "$(getenforce 2>/dev/null)"; fi
[ -d /sys/module/wireguard ] && kv wg_kernel yes
has modprobe && modprobe -n -q wireguard 2>/dev/null && kv wg_kernel loadable
has wireguard-go && kv wg_go yes
has wg && kv wg_tools yes
if has ss; then
  ss -H -tulnp 2>/dev/null | kvs sock
elif has lsof; then
  lsof -nP -iTCP -sTCP:LISTEN 2>/dev/null | tail -n +2 | kvs lsof
fi
for g in sudo wheel admin; do
  members=$(getent group "$g" 2>/dev/null | cut -d: -f4 | tr ',' ' ')
  for u in $members; do
    ent=$(getent passwd "$u") || continue
    home=$(printf '%s' "$ent" | cut -d: -f6); sh_=$(printf '%s' "$ent" | cut -d: -f7)
    n=0; [ -L "$home/.ssh" ] || [ -L "$home/.ssh/authorized_keys" ] || [ ! -f "$home/.ssh/authorized_keys" ] || n=$(grep -cE '^(ssh-|ecdsa-|sk-)' "$home/.ssh/authorized_keys" 2>/dev/null || echo 0)
    kv sudo_user "$u:$home:$sh_:$n"
  done
done
roothome=$(getent passwd root 2>/dev/null | cut -d: -f6); [ -n "$roothome" ] || roothome=/root
grep -E '^(ssh-|ecdsa-|sk-)' "$roothome/.ssh/authorized_keys" 2>/dev/null | kvs root_key
if has ip; then
  kv default_if "$(ip -o route show default 2>/dev/null | head -n 1 | sed -n 's/.* dev \([^ ]*\).*/\1/p')"
  ip -o addr show 2>/dev/null | awk '{print $4}' | kvs addr
  ip -o route show 2>/dev/null | awk '{print $1}' | kvs route
fi
set -- $1
if [ -n "$1" ] && has journalctl; then
  line=$(journalctl -q --no-pager -o cat -n 5000 _COMM=sshd _COMM=sshd-session 2>/dev/null | grep "Accepted [a-z-]* for .* from $1 port $2 " | tail -n 1)
  kv auth_line "$line"
fi
[ -d /var/lib/portcullis ] && kv pc_state yes
[ -f /var/lib/portcullis/lock ] && kv pc_lock "$(cat /var/lib/portcullis/lock 2>/dev/null)"
has systemd-run && kv systemd_run yes
has at && kv at yes
has base64 && kv base64 yes
exit 0
`;
