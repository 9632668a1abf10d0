#!/bin/bash
# Boots one sandbox VPS. container.ts runs it as
#   unshare --mount --propagation private bash launch.sh NAME
# detached from the test process, so the overlay mount exists only in this private mount
# namespace: it disappears with the last process (this script, nspawn, the container),
# whatever killed them. Nothing is mounted in the host's namespace.
#
# NAME (pc + 6 hex) is on the command line so teardown can find this process by name.
# Environment (all required): PC_LOWER PC_DIR PC_ROOT_KEYS PC_ADMIN_KEYS (PC_NO_ADMIN optional)
#   PC_DIR holds upper/ work/ rootfs/; PC_ADMIN_KEYS may be empty (admin gets no key), PC_ROOT_KEYS too (root
#   then has only its password).
set -euo pipefail

# Everything is in main(), parsed whole before it runs: bash reads scripts lazily, so
# editing (or checking out) this file while it runs would otherwise execute garbage.
main() {
  name=$1

  merged="$PC_DIR/rootfs"
  mkdir -p "$PC_DIR/upper" "$PC_DIR/work" "$merged"
  mount -t overlay overlay -o "lowerdir=$PC_LOWER,upperdir=$PC_DIR/upper,workdir=$PC_DIR/work" "$merged"

  # First boot only: a reboot must keep what the tests (or portcullis) changed.
  if [ ! -e "$PC_DIR/provisioned" ]; then
    # PC_ROOT_KEYS empty: root has its password only, no key (most providers' fresh VPS).
    if [ -n "$PC_ROOT_KEYS" ]; then
      install -d -m 700 "$merged/root/.ssh"
      install -m 600 "$PC_ROOT_KEYS" "$merged/root/.ssh/authorized_keys"
    fi
    if [ -n "${PC_NO_ADMIN:-}" ]; then
      # A provider's fresh VPS: root with the operator key, no other login account.
      chroot "$merged" userdel -r admin 2>/dev/null || true
    elif [ -n "$PC_ADMIN_KEYS" ]; then
      install -d -m 700 "$merged/home/admin/.ssh"
      install -m 600 "$PC_ADMIN_KEYS" "$merged/home/admin/.ssh/authorized_keys"
      chroot "$merged" chown -R admin:admin /home/admin/.ssh
    fi
    # Sandbox artefact, not a VPS trait: under nspawn without a host systemd, once a package's
    # daemon-reload has run, stopping a user's session manager (10 s after their last logout) hangs,
    # and that user's next login waits on it for tens of seconds. Keeping user managers until their
    # sessions end for good keeps logins (and so proofs) as fast as on a real VPS.
    install -d "$merged/etc/systemd/logind.conf.d"
    printf '[Login]\nUserStopDelaySec=infinity\n' >"$merged/etc/systemd/logind.conf.d/90-portcullis-sandbox.conf"
    # Unique host keys and machine id per instance, as a provider's first boot would create.
    ssh-keygen -q -A -f "$merged"
    tr -d '-' </proc/sys/kernel/random/uuid >"$merged/etc/machine-id"
    touch "$PC_DIR/provisioned"
  fi

  # No host systemd: --keep-unit --register=no. The netns is prepared (addresses set) by
  # network.ts; API_VFS_WRITABLE=network makes /proc/sys/net writable for ufw and sysctl.
  # @keyring: runc (the docker variant) joins a session keyring, which nspawn's filter refuses.
  # Exit status 133 means the container asked for a reboot: boot it again, same overlay.
  # A host without systemd (the openrc variant: sysvinit + OpenRC) boots its /sbin/init as nspawn's
  # command: --boot would look for the systemd binary first, and find it (installed, never run).
  boot=(--boot)
  init=()
  if [ -x "$merged/sbin/openrc" ] && [ ! -L "$merged/sbin/init" ]; then
    boot=()
    init=(/sbin/init)
  fi
  while :; do
    rc=0
    SYSTEMD_NSPAWN_API_VFS_WRITABLE=network systemd-nspawn \
      "${boot[@]}" --keep-unit --register=no --quiet \
      --directory="$merged" --machine="$name-vps" --hostname=vps \
      --network-namespace-path="/run/netns/$name-vps" \
      --capability=CAP_NET_ADMIN,CAP_NET_RAW \
      --system-call-filter=@keyring \
      --bind=/dev/net/tun \
      --resolv-conf=off --timezone=off --link-journal=no \
      --console=read-only "${init[@]}" || rc=$?
    echo "portcullis-sandbox: nspawn exited with $rc at $(date -u +%T)"
    if [ "$rc" -ne 133 ]; then
      exit "$rc"
    fi
  done
}

main "$@"
exit
