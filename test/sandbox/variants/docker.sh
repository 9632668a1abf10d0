# Variant docker (sourced by build-layer.sh; $root, in_root, online, offline): a VPS that runs Docker
# (issue 18). Debian's docker.io (20.10) from the Debian archive at build time, enabled at boot.
# Sandbox artefacts, not VPS traits (a drop-in, so /etc/docker/daemon.json stays absent, as on a fresh
# install): the overlay rootfs cannot carry overlay2, so dockerd uses the vfs storage driver; nspawn
# mounts the host's cgroup v1 controllers read-only, so they are remounted read-write before dockerd
# starts (runc creates its cgroups there). launch.sh lets the @keyring syscalls through for runc.
online
in_root apt-get install -y --no-install-recommends docker.io
offline
install -d "$root/etc/systemd/system/docker.service.d"
cat >"$root/etc/systemd/system/docker.service.d/10-sandbox.conf" <<'UNIT'
[Service]
ExecStartPre=/bin/sh -c 'for d in /sys/fs/cgroup/*/; do mount -o remount,bind,rw "$d"; done'
ExecStart=
ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock --storage-driver=vfs
UNIT
in_root systemctl enable docker.service containerd.service
test ! -e "$root/etc/docker/daemon.json"
