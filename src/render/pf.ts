import type {AllowRule} from '../core/firewall-policy.js';
import {allowRule} from '../core/firewall-policy.js';

export const PF_ANCHOR = 'portcullis';
export const PF_ANCHOR_FILE = '/etc/pf.anchors/portcullis';
export const PF_CONF = '/etc/pf.conf';
export const PF_PLIST = '/Library/LaunchDaemons/dev.portcullis.pf.plist';

const ANCHOR_LINE = `anchor "${PF_ANCHOR}"`;
const LOAD_LINE = `load anchor "${PF_ANCHOR}" from "${PF_ANCHOR_FILE}"`;

/**
 * Our anchor: deny incoming, allow outgoing (stateful), IPv4 and IPv6. pf takes the last matching rule
 * unless a rule is `quick`, so the block comes first and every pass is quick. ICMPv6 must pass or IPv6
 * neighbour discovery breaks.
 */
export function renderPfAnchor(rules: readonly AllowRule[]): string {
  const allow = rules.flatMap((r) => {
    const c = allowRule(r.port, r.proto, r.why);
    return [
      `# ${c.why}`,
      c.proto === 'tcp'
        ? `pass in quick proto tcp from any to any port ${c.port} flags S/SA keep state`
        : `pass in quick proto udp from any to any port ${c.port} keep state`,
    ];
  });
  return [
    '# Managed by portcullis: the host firewall, referenced from /etc/pf.conf. Deny incoming, allow outgoing.',
    'block drop in all',
    'pass out all keep state',
    'pass in quick on lo0 all',
    'pass in quick inet proto icmp all',
    'pass in quick inet6 proto ipv6-icmp all',
    'pass in quick inet proto udp from any port 67 to any port 68',
    'pass in quick inet6 proto udp from any port 547 to any port 546',
    ...allow,
    '',
  ].join('\n');
}

export function hasPfAnchor(pfConf: string): boolean {
  const lines = pfConf.split('\n').map((l) => l.trim());
  return lines.includes(ANCHOR_LINE) && lines.includes(LOAD_LINE);
}

/**
 * /etc/pf.conf with our anchor referenced after Apple's lines (filter anchors go last, and an anchor the
 * main ruleset does not reference is silently inert). Apple's lines are kept as they are.
 */
export function withPfAnchor(pfConf: string): string {
  if (hasPfAnchor(pfConf)) return pfConf;
  const lines = pfConf.split('\n').map((l) => l.trim());
  const add = [
    '# portcullis: the host firewall (see /etc/pf.anchors/portcullis)',
    ...[ANCHOR_LINE, LOAD_LINE].filter((l) => !lines.includes(l)),
  ];
  const base = pfConf === '' || pfConf.endsWith('\n') ? pfConf : `${pfConf}\n`;
  return `${base}${add.join('\n')}\n`;
}

/** A LaunchDaemon that enables pf with our rules at boot: macOS loads pf.conf at boot but does not enable pf. */
export function renderPfPlist(): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '\t<key>Label</key>',
    '\t<string>dev.portcullis.pf</string>',
    '\t<key>ProgramArguments</key>',
    '\t<array>',
    '\t\t<string>/sbin/pfctl</string>',
    '\t\t<string>-E</string>',
    '\t\t<string>-f</string>',
    `\t\t<string>${PF_CONF}</string>`,
    '\t</array>',
    '\t<key>RunAtLoad</key>',
    '\t<true/>',
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
