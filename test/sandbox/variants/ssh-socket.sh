# Variant ssh-socket (sourced by build-layer.sh; $root, in_root): the Ubuntu 22.10+/24.04 stand-in.
# sshd is started by systemd's socket activation: ssh.socket enabled (ListenStream=22, Accept=no),
# ssh.service disabled (so its sshd.service alias is gone too, as on Ubuntu 24.04). Debian ships no
# sshd-socket-generator, so a Port line in sshd_config does not move the listener: the socket unit does.
in_root systemctl disable ssh.service
in_root systemctl enable ssh.socket
test -L "$root/etc/systemd/system/sockets.target.wants/ssh.socket"
test ! -e "$root/etc/systemd/system/multi-user.target.wants/ssh.service"
