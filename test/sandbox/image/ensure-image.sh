#!/bin/bash
# Builds the base image for one recipe hash unless it is already cached.
# Usage: ensure-image.sh CACHE_ROOT HASH MIRROR SECURITY_MIRROR
#
# Holds CACHE_ROOT/HASH.lock (flock) for the whole build, so concurrent callers wait and
# then find the finished image. The image appears at CACHE_ROOT/HASH only by rename of a
# complete build: a crash leaves at worst a .tmp-* dir, deleted by the next builder.
# image.ts runs this under `unshare --mount --pid --fork`, so debootstrap's /proc and /sys
# mounts and any stray process die with the build.
set -euo pipefail

# Everything is in main(), parsed whole before it runs: bash reads scripts lazily, so
# editing (or checking out) this file while it runs would otherwise execute garbage.
main() {
  cache_root=$1
  hash=$2
  mirror=$3
  security_mirror=$4
  here=$(cd "$(dirname "$0")" && pwd)
  final="$cache_root/$hash"

  mkdir -p "$cache_root"
  exec 9>"$cache_root/$hash.lock"
  if ! flock -n 9; then
    echo "I: waiting for another process building image $hash"
    flock 9
  fi

  if [ -e "$final/READY" ]; then
    exit 0
  fi

  # Leftovers of crashed builds of this hash: nobody else holds the lock, so they are dead.
  rm -rf --one-file-system "$cache_root/.tmp-$hash-"*

  tmp=$(mktemp -d "$cache_root/.tmp-$hash-XXXXXX")
  chmod 755 "$tmp"
  start=$(date +%s)
  bash "$here/build-rootfs.sh" "$tmp/rootfs" "$mirror" "$security_mirror"
  cp -r "$here" "$tmp/recipe"
  echo "built in $(($(date +%s) - start))s on $(date -u +%FT%TZ)" >"$tmp/READY"
  rm -rf --one-file-system "$final"
  mv "$tmp" "$final"
}

main "$@"
exit
