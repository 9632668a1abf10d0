#!/bin/bash
# Builds one sandbox variant as an overlay layer on top of the cached base image, unless cached.
# Usage: build-layer.sh CACHE_ROOT KEY BASE_ROOTFS VARIANT_SCRIPT MIRROR SECURITY_MIRROR
#
# The base rootfs stays read-only: the variant script changes a merged view of it, and only the
# overlay's upper dir is kept (CACHE_ROOT/KEY/layer). Instances then mount
# lowerdir=KEY/layer:BASE_ROOTFS. Same flock + atomic rename as ensure-image.sh, and the same
# private mount+pid namespace (image.ts), so a crash leaves no mount and no daemon behind.
set -euo pipefail

main() {
  cache_root=$1
  key=$2
  base=$3
  script=$4
  mirror=$5
  security_mirror=$6
  final="$cache_root/$key"

  mkdir -p "$cache_root"
  exec 9>"$cache_root/$key.lock"
  if ! flock -n 9; then
    echo "I: waiting for another process building variant $key"
    flock 9
  fi
  if [ -e "$final/READY" ]; then
    exit 0
  fi
  rm -rf --one-file-system "$cache_root/.tmp-$key-"*
  tmp=$(mktemp -d "$cache_root/.tmp-$key-XXXXXX")
  chmod 755 "$tmp"
  start=$(date +%s)
  mkdir -p "$tmp/layer" "$tmp/work" "$tmp/merged"
  root="$tmp/merged"
  mount -t overlay overlay -o "lowerdir=$base,upperdir=$tmp/layer,workdir=$tmp/work" "$root"

  in_root() {
    chroot "$root" /usr/bin/env -i \
      PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root "$@"
  }
  # The base knows only its offline repository; a variant that needs more fetches it from the
  # Debian archive here (at build time only) and puts the offline sources back afterwards.
  online() {
    cp "$root/etc/apt/sources.list" "$tmp/sources.list.offline"
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
      "$mirror" "$mirror" "$security_mirror" >"$root/etc/apt/sources.list"
    in_root apt-get update
  }
  offline() {
    cp "$tmp/sources.list.offline" "$root/etc/apt/sources.list"
    rm -rf "$root"/var/lib/apt/lists/*
    in_root apt-get update
    in_root apt-get clean
  }
  # Daemons must not start inside the build chroot (they would run in the host's netns).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"

  # shellcheck source=/dev/null
  . "$script"

  rm -f "$root/usr/sbin/policy-rc.d"
  rm -rf "$root"/tmp/* "$root"/var/tmp/* "$root"/var/log/apt/* "$root"/root/.bash_history
  umount "$root"
  rm -rf "$tmp/work" "$tmp/merged" "$tmp/sources.list.offline"
  mkdir -p "$tmp/recipe"
  cp "$script" "$(dirname "$0")/build-layer.sh" "$tmp/recipe/"
  echo "built in $(($(date +%s) - start))s on $(date -u +%FT%TZ)" >"$tmp/READY"
  rm -rf --one-file-system "$final"
  mv "$tmp" "$final"
}

main "$@"
exit
