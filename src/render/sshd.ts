import type {Facts} from '../core/facts.js';
import type {Action} from '../core/types.js';
import {plainText, userName} from '../util/validate.js';

export interface SshdSettings {
  ports: number[];
  permitRootLogin: 'no' | 'prohibit-password';
  passwordAuthentication: boolean;
  x11Forwarding: boolean;
  maxAuthTries: number;
  clientAliveInterval: number;
  clientAliveCountMax: number;
  allowUsers: string[];
  allowTcpForwarding: boolean;
  allowAgentForwarding: boolean;
  modernCrypto: boolean;
  /** Exempt from PerSourcePenalties (OpenSSH >= 9.8 only), so our own proofs never get the operator penalised. */
  penaltyExempt?: string;
}

export interface OpenSshVersion {
  major: number;
  minor: number;
}

const atLeast = (v: OpenSshVersion | null, major: number, minor: number) =>
  v !== null && (v.major > major || (v.major === major && v.minor >= minor));

/**
 * Algorithms ssh-audit does not fail, limited to what the installed OpenSSH knows: an unknown name
 * stops sshd, so nothing newer than the version is ever emitted.
 */
export function cryptoLines(v: OpenSshVersion | null): string[] {
  if (!atLeast(v, 7, 4)) return [];
  const kex = [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
  ];
  if (atLeast(v, 8, 5)) kex.unshift('sntrup761x25519-sha512@openssh.com');
  if (atLeast(v, 9, 9)) kex.unshift('mlkem768x25519-sha256', 'sntrup761x25519-sha512');
  return [
    `KexAlgorithms ${kex.join(',')}`,
    'Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
    'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com',
    `HostKeyAlgorithms ${[
      'ssh-ed25519-cert-v01@openssh.com',
      'ssh-ed25519',
      ...(atLeast(v, 8, 2) ? ['sk-ssh-ed25519@openssh.com'] : []),
      'rsa-sha2-512-cert-v01@openssh.com',
      'rsa-sha2-256-cert-v01@openssh.com',
      'rsa-sha2-512',
      'rsa-sha2-256',
    ].join(',')}`,
  ];
}

/** The one drop-in that wins: every value it sets is the first sshd reads. */
export function renderSshdDropin(s: SshdSettings, v: OpenSshVersion | null): string {
  for (const u of s.allowUsers) userName(u, 'AllowUsers entry');
  const yn = (b: boolean) => (b ? 'yes' : 'no');
  const kbd = atLeast(v, 8, 7) ? 'KbdInteractiveAuthentication' : 'ChallengeResponseAuthentication';
  const lines = [
    '# Managed by portcullis (ssh-hardening). sshd keeps the first value it reads for each keyword,',
    '# so this file is named to sort before every other drop-in. Undo: `portcullis rollback`.',
    ...s.ports.map((p) => `Port ${p}`),
    `PermitRootLogin ${s.permitRootLogin}`,
    `PasswordAuthentication ${yn(s.passwordAuthentication)}`,
    `${kbd} no`,
    'PubkeyAuthentication yes',
    `X11Forwarding ${yn(s.x11Forwarding)}`,
    `MaxAuthTries ${s.maxAuthTries}`,
    `ClientAliveInterval ${s.clientAliveInterval}`,
    `ClientAliveCountMax ${s.clientAliveCountMax}`,
    `AllowTcpForwarding ${yn(s.allowTcpForwarding)}`,
    `AllowAgentForwarding ${yn(s.allowAgentForwarding)}`,
    ...(s.allowUsers.length ? [`AllowUsers ${s.allowUsers.join(' ')}`] : []),
    ...(s.modernCrypto ? cryptoLines(v) : []),
    ...(s.penaltyExempt && atLeast(v, 9, 8)
      ? [`PerSourcePenaltyExemptList ${plainText(s.penaltyExempt, 'exempt address')}`]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * ssh.socket's ports where no generator derives them from sshd_config: the empty ListenStream= drops the
 * unit's own (22), then one line per port (IPv4 and IPv6 alike).
 */
export function renderSshSocketDropin(ports: readonly number[]): string {
  return [
    '# Managed by portcullis (ssh-hardening): the ports ssh.socket listens on, as sshd_config says.',
    '# Undo: `portcullis rollback`.',
    '[Socket]',
    'ListenStream=',
    ...ports.map((p) => `ListenStream=${p}`),
    '',
  ].join('\n');
}

/** What `sshd -T` must show once the drop-in is read: checked on the target before any reload. */
export function expectedEffective(s: SshdSettings, v: OpenSshVersion | null): string[] {
  const yn = (b: boolean) => (b ? 'yes' : 'no');
  return [
    ...s.ports.map((p) => `port ${p}`),
    `permitrootlogin ${s.permitRootLogin === 'prohibit-password' ? 'without-password' : 'no'}`,
    `passwordauthentication ${yn(s.passwordAuthentication)}`,
    ...(atLeast(v, 8, 7) ? ['kbdinteractiveauthentication no'] : []),
    'pubkeyauthentication yes',
    `maxauthtries ${s.maxAuthTries}`,
    `x11forwarding ${yn(s.x11Forwarding)}`,
    ...(s.allowUsers.length ? [`allowusers ${s.allowUsers.join(' ')}`] : []),
  ];
}

/** A main sshd_config made to include the drop-in directory first and to declare no Port of its own. */
export function adjustMainConfig(text: string, includeGlob: string, needInclude: boolean, dropPorts: boolean): string {
  let lines = text.split('\n');
  if (dropPorts) {
    lines = lines.map((l) =>
      /^\s*Port\s+/i.test(l) ? `# ${l.trim()}    # disabled by portcullis: Port is set in the drop-in` : l,
    );
  }
  if (needInclude)
    lines.unshift('# Added by portcullis: drop-ins first, so their values win.', `Include ${includeGlob}`);
  return lines.join('\n');
}

/**
 * The check against what sshd really uses, before changing anything: of the lines `sshd -T` must show
 * (lowercase, as `sshd -T` prints them), those the target's `sshd -T` (read with the facts) does not.
 */
export function notShownBySshd(effective: Facts['ssh']['effective'], expected: readonly string[]): string[] {
  const shown = new Set(Object.entries(effective).flatMap(([k, vals]) => vals.map((x) => `${k} ${x}`.toLowerCase())));
  return expected.filter((l) => !shown.has(l.toLowerCase()));
}

/** sshd -t, then `sshd -T` must show each expected line: what sshd will really use, before any reload. */
export function sshdChecks(
  expected: readonly string[],
  /** What the plan says the second check does. */
  label = 'check the effective settings (sshd -T shows what sshd will really use)',
): Action[] {
  return [
    {kind: 'run', label: 'check the sshd configuration (sshd -t)', argv: ['sshd', '-t']},
    {
      kind: 'run',
      label,
      argv: [
        'sh',
        '-c',
        't=$(sshd -T 2>&1) || { printf "%s\\n" "$t" >&2; exit 1; }; for l in "$@"; do printf "%s\\n" "$t" | grep -qixF -- "$l" || { echo "sshd -T does not show \\"$l\\": an earlier drop-in or Match block wins" >&2; exit 1; }; done',
        'sh',
        ...expected,
      ],
    },
  ];
}
