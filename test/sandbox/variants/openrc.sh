# Variant openrc (sourced by build-layer.sh; $root, in_root, online, offline): the Alpine stand-in, a host
# without systemd. sysvinit-core as PID 1 and OpenRC as the service manager (Debian's own packages, fetched
# from the archive here); systemd stays installed as a library but never runs, so /run/systemd/system never
# exists. launch.sh boots it with /sbin/init as nspawn's command (--boot would pick the systemd binary).
online
# rsyslog: a Debian installed without systemd logs through syslog (sshd to /var/log/auth.log), as Debian's
# default install does (its init script from orphan-sysvinit-scripts); fail2ban's jail reads that file here (the file-log path, as on Alpine).
in_root apt-get install -y --no-install-recommends sysvinit-core openrc rsyslog orphan-sysvinit-scripts
offline
# No consoles to log in on under nspawn (getty would respawn on ttys that do not exist).
sed -i -E 's/^([0-9]+:[0-9]+:respawn:.*getty.*)$/#\1/' "$root/etc/inittab"
! grep -qE '^[0-9]+:[0-9]+:respawn:.*getty' "$root/etc/inittab"
# The base image's public dashboard on 8080 (a systemd unit there), as an init script here.
cat >"$root/etc/init.d/metrics-dashboard" <<'SCRIPT'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          metrics-dashboard
# Required-Start:    $network $remote_fs
# Required-Stop:     $network $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Internal metrics dashboard (meant for localhost only)
### END INIT INFO
pidfile=/run/metrics-dashboard.pid
case "$1" in
  start) start-stop-daemon --start --background --make-pidfile --pidfile $pidfile --chuid nobody \
           --exec /usr/bin/python3 -- -m http.server 8080 --bind 0.0.0.0 --directory /srv/metrics-dashboard ;;
  stop) start-stop-daemon --stop --oknodo --remove-pidfile --pidfile $pidfile ;;
  restart) "$0" stop; "$0" start ;;
  status) start-stop-daemon --status --pidfile $pidfile ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 3 ;;
esac
SCRIPT
chmod 755 "$root/etc/init.d/metrics-dashboard"
in_root rc-update add metrics-dashboard default
in_root rc-update add ssh default
in_root rc-update add rsyslog default
test -x "$root/sbin/openrc"
test ! -L "$root/sbin/init"
