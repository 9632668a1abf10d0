import type {AllowRule} from '../core/firewall-policy.js';
import {allowRule} from '../core/firewall-policy.js';
import {InputError} from '../util/errors.js';

export const NFT_TABLE = 'inet portcullis';
export const NFT_FILE = '/etc/portcullis/firewall.nft';
export const NFT_UNIT = 'portcullis-firewall.service';

/**
 * The host firewall as one nftables table of our own. Loading the file replaces only this table, in one
 * transaction (create, delete, define): other tables (Docker's, fail2ban's, the distribution's) are never
 * flushed. A drop in any table is final, so this table can only close, never open what another drops.
 * Outgoing traffic has no hook here: it is allowed. A rule `via` the tunnel accepts only on its interface.
 */
export function renderNftables(rules: readonly AllowRule[]): string {
  const allow = rules.map((r) => {
    const c = allowRule(r.port, r.proto, r.why, r.via);
    if (c.via && !c.via.iface)
      throw new InputError(`nftables needs the tunnel interface to let ${c.port}/${c.proto} in`);
    const on = c.via ? `iifname "${c.via.iface}" ${c.via.from ? `ip saddr ${c.via.from} ` : ''}` : '';
    return `\t\t${on}${c.proto} dport ${c.port} accept comment "portcullis: ${c.why}"`;
  });
  return [
    '#!/usr/sbin/nft -f',
    '# Managed by portcullis: deny incoming, allow outgoing, IPv4 and IPv6. Only this table is ours.',
    `table ${NFT_TABLE}`,
    `delete table ${NFT_TABLE}`,
    `table ${NFT_TABLE} {`,
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tiif "lo" accept',
    '\t\tct state established,related accept',
    '\t\tct state invalid drop',
    '\t\tmeta l4proto icmp accept',
    '\t\tmeta l4proto ipv6-icmp accept',
    '\t\tudp sport 67 udp dport 68 accept comment "portcullis: dhcp"',
    '\t\tip6 saddr fe80::/10 udp sport 547 udp dport 546 accept comment "portcullis: dhcpv6"',
    ...allow,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** systemd: loads the table before the network comes up, like the distribution's nftables.service, without its `flush ruleset`. */
export function renderNftUnit(): string {
  return [
    '# Managed by portcullis: loads the host firewall (table inet portcullis) at boot.',
    '[Unit]',
    'Description=portcullis host firewall (nftables table inet portcullis)',
    'DefaultDependencies=no',
    'Wants=network-pre.target',
    'Before=network-pre.target shutdown.target',
    'Conflicts=shutdown.target',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStart=/usr/sbin/nft -f ${NFT_FILE}`,
    `ExecReload=/usr/sbin/nft -f ${NFT_FILE}`,
    '',
    '[Install]',
    'WantedBy=sysinit.target',
    '',
  ].join('\n');
}

/** OpenRC's service of ours that loads the table at boot. */
export const NFT_OPENRC_SERVICE = 'portcullis-firewall';

/**
 * OpenRC (Alpine, Debian without systemd): a service of ours in the default runlevel (as the dead-man's boot path:
 * Debian's OpenRC has no `local` service to run /etc/local.d), after the distribution's own nftables service (whose
 * ruleset may begin with `flush ruleset`), so the stock drop-everything /etc/nftables.nft is never enabled by us.
 */
export function renderNftOpenrcService(): string {
  return [
    '#!/sbin/openrc-run',
    '# Managed by portcullis: loads the host firewall (table inet portcullis) at boot.',
    `description="portcullis: the host firewall (table ${NFT_TABLE})"`,
    'depend() { after nftables; before ssh sshd; }',
    `start() { ebegin "Loading table ${NFT_TABLE}"; nft -f ${NFT_FILE}; eend $?; }`,
    '',
  ].join('\n');
}
