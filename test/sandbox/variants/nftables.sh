# Variant nftables (sourced by build-layer.sh; $root, in_root): the Arch stand-in. No ufw; nftables
# enabled at boot with Debian's stock /etc/nftables.conf (`flush ruleset`, then an `inet filter` table
# whose chains accept everything). Our `inet portcullis` table has to live beside that ruleset, and
# survive nftables.service (which flushes everything when it starts) at boot.
# Not Arch's own stock file: that one drops every port but 22 by policy (see README, platforms).
in_root apt-get install -y nftables
grep -q '^flush ruleset' "$root/etc/nftables.conf"
grep -q '^table inet filter' "$root/etc/nftables.conf"
in_root systemctl enable nftables.service
test ! -e "$root/usr/sbin/ufw"
