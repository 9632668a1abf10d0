#!/bin/bash
# Recipe for the cached sandbox base image: a Debian 12 box that looks like a freshly
# provisioned cloud VPS, traps included. Every byte of the files in this directory is part
# of the cache key (see image.ts): editing them triggers a rebuild on the next run.
#
# Usage: build-rootfs.sh ROOTFS MIRROR SECURITY_MIRROR
# Runs as root on the host, inside a private mount+pid namespace (see ensure-image.sh), so
# a crash leaves no mount and no stray daemon behind; the caller deletes ROOTFS on failure.
set -euo pipefail

# Everything is in main(), parsed whole before it runs: bash reads scripts lazily, so
# editing (or checking out) this file while it runs would otherwise execute garbage.
main() {
  root=$1
  mirror=$2
  security_mirror=$3
  suite=bookworm

  here=$(cd "$(dirname "$0")" && pwd)
  read_list() { grep -v -E '^\s*(#|$)' "$here/$1"; }
  mapfile -t base_packages < <(read_list packages-base.txt)
  mapfile -t offline_packages < <(read_list packages-offline.txt)

  in_root() {
    chroot "$root" /usr/bin/env -i \
      PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root "$@"
  }

  include=$(IFS=,; echo "${base_packages[*]}")
  debootstrap --variant=minbase --include="$include" "$suite" "$root" "$mirror"

  # Point releases + security, as an up-to-date provider image would be.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
EOF

  # Daemons must not start inside the build chroot (they would run in the host's netns).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"

  in_root apt-get update
  in_root apt-get -y dist-upgrade

  # A real VPS has a kernel package that Provides wireguard-modules, which is what keeps
  # `apt-get install wireguard` from pulling wireguard-dkms and a compiler. The sandbox kernel
  # has no wireguard module at all; wireguard-go stands in for it (wg-quick falls back to it).
  kpkg=$(mktemp -d)
  mkdir -p "$kpkg/DEBIAN"
  cat >"$kpkg/DEBIAN/control" <<'EOF'
Package: portcullis-sandbox-kernel
Version: 1.0
Architecture: all
Maintainer: portcullis sandbox <sandbox@invalid>
Provides: wireguard-modules (= 1.0.0)
Description: stands in for linux-image-amd64 inside the portcullis e2e sandbox
EOF
  dpkg-deb --root-owner-group --build "$kpkg" "$root/tmp/portcullis-sandbox-kernel.deb" >/dev/null
  rm -rf "$kpkg"
  in_root dpkg -i /tmp/portcullis-sandbox-kernel.deb
  rm -f "$root/tmp/portcullis-sandbox-kernel.deb"

  in_root apt-get clean
  in_root apt-get install -y --download-only "${offline_packages[@]}"
  mkdir -p "$root/opt/offline-repo"
  mv "$root"/var/cache/apt/archives/*.deb "$root/opt/offline-repo/"
  (cd "$root/opt/offline-repo" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null)

  # From here on the box only knows the offline repository, like an air-gapped mirror.
  rm -f "$root"/etc/apt/sources.list.d/*
  echo 'deb [trusted=yes] file:/opt/offline-repo ./' >"$root/etc/apt/sources.list"
  rm -rf "$root"/var/lib/apt/lists/*
  in_root apt-get update
  in_root apt-get clean
  # Fails the build (not a test, later) if the offline repository misses a dependency.
  in_root apt-get install --simulate -y "${offline_packages[@]}" >/dev/null

  # --- Accounts: the provider's defaults, passwords included. ---
  in_root sh -c 'echo root:root-pw | chpasswd'
  in_root useradd --create-home --shell /bin/bash --groups sudo admin
  in_root sh -c 'echo admin:admin-pw | chpasswd'

  # --- sshd: root may log in, passwords accepted (the cloud-init drop-in is the trap). ---
  sed -i -E 's/^#?PermitRootLogin .*/PermitRootLogin yes/' "$root/etc/ssh/sshd_config"
  grep -q '^PermitRootLogin yes' "$root/etc/ssh/sshd_config"
  mkdir -p "$root/etc/ssh/sshd_config.d"
  echo 'PasswordAuthentication yes' >"$root/etc/ssh/sshd_config.d/50-cloud-init.conf"
  # Host keys are generated per instance at launch (launch.sh), like a first boot would.
  rm -f "$root"/etc/ssh/ssh_host_*

  # --- A service on 0.0.0.0:8080 that should never have been public. ---
  mkdir -p "$root/srv/metrics-dashboard"
  echo 'internal metrics dashboard' >"$root/srv/metrics-dashboard/index.html"
  cat >"$root/etc/systemd/system/metrics-dashboard.service" <<'EOF'
[Unit]
Description=Internal metrics dashboard (meant for localhost only)
After=network.target

[Service]
DynamicUser=yes
ExecStart=/usr/bin/python3 -m http.server 8080 --bind 0.0.0.0 --directory /srv/metrics-dashboard
Restart=always

[Install]
WantedBy=multi-user.target
EOF
  ln -sf /etc/systemd/system/metrics-dashboard.service \
    "$root/etc/systemd/system/multi-user.target.wants/metrics-dashboard.service"

  # --- Identity and boot speed. ---
  echo vps >"$root/etc/hostname"
  cat >"$root/etc/hosts" <<'EOF'
127.0.0.1	localhost
127.0.1.1	vps
::1	localhost ip6-localhost ip6-loopback
EOF
  : >"$root/etc/machine-id"
  : >"$root/etc/fstab"
  # No console to log in on; nothing to wait for (addresses are set from outside before boot);
  # apt timers would grab the dpkg lock at random moments during a test.
  for unit in console-getty.service getty@.service systemd-networkd-wait-online.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
    systemd-timesyncd.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done

  rm -f "$root/usr/sbin/policy-rc.d"
  rm -rf "$root"/tmp/* "$root"/var/tmp/* "$root"/var/log/apt/* "$root"/root/.bash_history
}

main "$@"
exit
