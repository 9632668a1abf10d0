import type {Backend} from '../core/firewall-policy.js';
import {InputError} from '../util/errors.js';
import {port as checkPort, cidr, ipAddress} from '../util/validate.js';

/** Under jail.d and sorting after every packaged file: for fail2ban the later file wins (unlike sshd). */
export const JAIL_FILE = '/etc/fail2ban/jail.d/zz-portcullis.local';
export const F2B_LOCAL = '/etc/fail2ban/fail2ban.d/zz-portcullis.local';

/** banaction / banaction_allports per firewall, as fail2ban's action.d names them. */
export const BANACTIONS: Record<Backend, [string, string]> = {
  ufw: ['ufw', 'ufw'],
  firewalld: ['firewallcmd-rich-rules[actiontype=<multiport>]', 'firewallcmd-rich-rules[actiontype=<allports>]'],
  nftables: ['nftables-multiport', 'nftables-allports'],
  pf: ['pf', 'pf[actiontype=<allports>]'],
};

export interface JailLimits {
  maxretry: number;
  findtime: string;
  bantime: string;
}

export interface JailSettings {
  /** Addresses and networks never banned: loopback, the operator, the tunnel. */
  ignoreip: string[];
  firewall: Backend;
  sshd: JailLimits & {
    ports: number[];
    /** systemd: read the journal (journalmatch); file: read logpath. */
    source: {backend: 'systemd'; journalmatch: string} | {backend: 'auto'; logpath: string};
  };
  /** Repeat offenders, read from fail2ban's own log; unset: no recidive jail. */
  recidive?: JailLimits;
}

const UNITS: Record<string, number> = {s: 1, m: 60, h: 3600, d: 86400, w: 604800};

/** A fail2ban time: seconds, or a number with s, m, h, d or w (24h, 7d). */
export function fail2banTime(value: unknown, what: string): string {
  const s = String(value);
  if (!/^[1-9][0-9]{0,6}[smhdw]?$/.test(s))
    throw new InputError(`${what} ${JSON.stringify(s)} is not a time like 600, 10m, 24h or 7d`);
  return s;
}

export function seconds(t: string): number {
  const m = /^([0-9]+)([smhdw]?)$/.exec(t);
  return m ? Number(m[1]) * (UNITS[m[2] || 's'] ?? 1) : 0;
}

function checkLimits(l: JailLimits, what: string): JailLimits {
  if (!Number.isInteger(l.maxretry) || l.maxretry < 1 || l.maxretry > 100)
    throw new InputError(`${what} maxretry ${l.maxretry} must be a whole number from 1 to 100`);
  return {
    maxretry: l.maxretry,
    findtime: fail2banTime(l.findtime, `${what} findtime`),
    bantime: fail2banTime(l.bantime, `${what} bantime`),
  };
}

/** An address or network for ignoreip, checked: nothing else may reach the file. */
export function ignoreEntry(value: string, what: string): string {
  if (value.includes('/')) {
    const c = cidr(value, what);
    return `${c.address}/${c.prefix}`;
  }
  return ipAddress(value, what);
}

const JOURNALMATCH =
  /^_(SYSTEMD_UNIT=[A-Za-z0-9@._-]+\.service|COMM=[a-z-]+)( \+ _(SYSTEMD_UNIT=[A-Za-z0-9@._-]+\.service|COMM=[a-z-]+))*$/;
const LOGPATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * The jail file. `mode = aggressive`: on a key-only sshd a password or an unknown key ends in
 * "Connection closed by authenticating user ... [preauth]", which only the ddos/aggressive regexes
 * count; the normal mode would never ban those attempts.
 */
export function renderJail(s: JailSettings): string {
  const ignore = s.ignoreip.map((a) => ignoreEntry(a, 'ignoreip entry'));
  const sshd = checkLimits(s.sshd, 'sshd jail');
  const ports = s.sshd.ports.map((p) => checkPort(p, 'sshd jail port'));
  if (!ports.length) throw new InputError('the sshd jail needs at least one SSH port');
  const [banaction, allports] = BANACTIONS[s.firewall];
  const lines = [
    '# Managed by portcullis: the sshd jail and repeat offenders. Later files in jail.d win, hence zz-.',
    '[DEFAULT]',
    `ignoreip = ${ignore.join(' ')}`,
    `banaction = ${banaction}`,
    `banaction_allports = ${allports}`,
    '',
    '[sshd]',
    'enabled = true',
    'mode = aggressive',
    `port = ${ports.join(',')}`,
  ];
  if (s.sshd.source.backend === 'systemd') {
    if (!JOURNALMATCH.test(s.sshd.source.journalmatch)) throw new InputError('the sshd journalmatch is malformed');
    lines.push('backend = systemd', `journalmatch = ${s.sshd.source.journalmatch}`);
  } else {
    if (!LOGPATH.test(s.sshd.source.logpath)) throw new InputError('the sshd log path is malformed');
    lines.push('backend = auto', `logpath = ${s.sshd.source.logpath}`);
  }
  lines.push(`maxretry = ${sshd.maxretry}`, `findtime = ${sshd.findtime}`, `bantime = ${sshd.bantime}`);
  if (s.recidive) {
    const r = checkLimits(s.recidive, 'recidive jail');
    lines.push(
      '',
      '[recidive]',
      'enabled = true',
      'backend = auto',
      'logpath = /var/log/fail2ban.log',
      'banaction = %(banaction_allports)s',
      `maxretry = ${r.maxretry}`,
      `findtime = ${r.findtime}`,
      `bantime = ${r.bantime}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** fail2ban.d: keep ban records at least as long as the longest ban, or a restart forgets long bans. */
export function renderFail2banLocal(longestBan: string): string {
  const days = Math.max(1, Math.ceil(seconds(fail2banTime(longestBan, 'longest ban')) / 86400) + 1);
  return `# Managed by portcullis: bans outlive a restart for as long as they last.\n[DEFAULT]\ndbpurgeage = ${days}d\n`;
}
