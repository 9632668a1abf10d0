#!/bin/sh
# Installs every Debian 12 host package the e2e sandbox (test/sandbox) needs.
# Idempotent: apt-get install is a no-op for packages already present.
# Run as root after `apt-get update`.
set -eu

if [ "$(id -u)" -ne 0 ]; then
  echo "sandbox-deps: must run as root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# debootstrap + debian-archive-keyring: build the cached bookworm base image.
# systemd-container: systemd-nspawn boots the VPS. dpkg-dev: dpkg-scanpackages for the offline repo.
# iproute2/util-linux: netns, veth, bridge, unshare, nsenter, flock, overlay mounts.
# wireguard-tools + wireguard-go: laptop-side userspace WireGuard (the kernel has no wireguard module).
# openssh-client/sshpass/nmap/netcat-openbsd/curl/iputils-ping: laptop and attacker tooling used by the tests.
# iptables/nftables: wg-quick and tests set rules in the laptop netns. procps/psmisc/tmux: inspecting and rehearsing by hand.
# zsh/fish: the completion scripts are checked in the real shells (test/unit/cli/completion*.test.ts).
apt-get install -y --no-install-recommends \
  ca-certificates \
  curl \
  debian-archive-keyring \
  debootstrap \
  dpkg-dev \
  fish \
  iproute2 \
  iputils-ping \
  iptables \
  netcat-openbsd \
  nftables \
  nmap \
  openssh-client \
  procps \
  psmisc \
  sshpass \
  systemd-container \
  tmux \
  util-linux \
  wireguard-go \
  wireguard-tools \
  zsh
