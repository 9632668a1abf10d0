#!/bin/bash
# Builds a whole base image of another Debian suite (a variant that cannot be a layer over bookworm),
# from the base recipe (../image) with only its suite changed, unless cached.
# Usage: build-suite.sh CACHE_ROOT KEY SUITE MIRROR SECURITY_MIRROR
# Same flock, private namespaces (image.ts) and atomic rename as ensure-image.sh.
set -euo pipefail

main() {
  cache_root=$1
  key=$2
  suite=$3
  mirror=$4
  security_mirror=$5
  here=$(cd "$(dirname "$0")" && pwd)
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
  # The base recipe, word for word but for its suite line (checked: exactly one).
  cp -r "$here/../image" "$tmp/recipe"
  grep -c '^  suite=bookworm$' "$tmp/recipe/build-rootfs.sh" | grep -qx 1
  sed -i "s/^  suite=bookworm\$/  suite=$suite/" "$tmp/recipe/build-rootfs.sh"
  bash "$tmp/recipe/build-rootfs.sh" "$tmp/rootfs" "$mirror" "$security_mirror"
  grep -q "VERSION_CODENAME=$suite" "$tmp/rootfs/etc/os-release"
  echo "built in $(($(date +%s) - start))s on $(date -u +%FT%TZ)" >"$tmp/READY"
  rm -rf --one-file-system "$final"
  mv "$tmp" "$final"
}

main "$@"
exit
