# Variant firewalld (sourced by build-layer.sh; $root, in_root, online, offline): the RHEL 9 / Fedora
# stand-in. firewalld (nftables backend, Debian's default) enabled at boot; its default zone `public`
# allows ssh (22) and dhcpv6-client, as on RHEL. firewalld is not in the offline repository: fetched
# from the Debian archive here, with netbase (/etc/protocols: without it firewalld refuses its own services).
online
in_root apt-get install -y --no-install-recommends firewalld netbase
offline
in_root systemctl enable firewalld.service
grep -q '^FirewallBackend=nftables' "$root/etc/firewalld/firewalld.conf"
test ! -e "$root/usr/sbin/ufw"
