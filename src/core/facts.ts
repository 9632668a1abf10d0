export const PLATFORMS = [
  'debian-12',
  'debian-13',
  'ubuntu-22.04',
  'ubuntu-24.04',
  'rhel-9',
  'fedora',
  'arch',
  'alpine',
  'macos',
] as const;
export type PlatformId = (typeof PLATFORMS)[number];

export type Family = 'debian' | 'rhel' | 'arch' | 'alpine' | 'macos' | 'unknown';
export type InitSystem = 'systemd' | 'openrc' | 'launchd' | 'other';
export type PackageManager = 'apt' | 'dnf' | 'apk' | 'pacman' | 'brew' | 'none';
export type FirewallKind = 'ufw' | 'firewalld' | 'nftables' | 'pf' | 'none';

export interface Listener {
  proto: 'tcp' | 'udp';
  address: string;
  port: number;
  process: string;
}

/** Inbound policy of one address family, as read from the active firewall. */
export interface Inbound {
  /** Unsolicited inbound traffic is dropped or rejected unless a rule lets it in. */
  defaultDeny: boolean;
  /** Let in from anywhere: `2222/tcp`, a range `6000:6007/tcp`, or `80` (both protocols). */
  open: string[];
}

export interface SudoUser {
  name: string;
  home: string;
  shell: string;
  /** Number of key lines in ~/.ssh/authorized_keys. */
  keys: number;
}

export interface Facts {
  /** Where the facts came from: a live target, or an offline profile (`--platform`). */
  source: 'live' | 'profile';
  platform: PlatformId | 'unknown';
  os: {id: string; like: string[]; version: string; pretty: string; kernel: string};
  family: Family;
  init: InitSystem;
  packageManager: PackageManager;
  hostname: string;
  ssh: {
    version: {major: number; minor: number} | null;
    versionText: string;
    /** systemd unit (ssh/sshd), OpenRC service (sshd) or launchd label. */
    unit: string;
    socketActivated: boolean;
    /**
     * Ubuntu's sshd-socket-generator is installed: it turns sshd_config's Port lines into ssh.socket's
     * ListenStream at daemon-reload. Without it (Debian with ssh.socket enabled) the socket unit needs a
     * drop-in of its own, or a Port change never reaches the listener.
     */
    socketGenerator: boolean;
    mainHasInclude: boolean;
    dropinDir: string;
    /** File names in dropinDir, sorted as sshd reads them. */
    dropins: string[];
    configOk: boolean;
    configError: string;
    /** `sshd -T`, keyword (lowercase) to its values in order. */
    effective: Record<string, string[]>;
  };
  firewall: {
    active: FirewallKind;
    ufw: 'active' | 'inactive' | 'absent';
    firewalld: 'running' | 'stopped' | 'absent';
    /** firewalld's default zone while it runs (the first line of its `--list-all`), if it is a plain name. */
    firewalldZone?: string;
    nftTables: string[];
    pf: 'enabled' | 'disabled' | 'absent';
    /** What the active firewall lets in from anywhere, per address family; a family left out is not filtered (or not known to be). */
    inbound?: {v4?: Inbound; v6?: Inbound};
  };
  /** `filtered`: the docker-firewall step's chain runs from DOCKER-USER (published IPv4 ports closed but through the tunnel). */
  docker: {present: boolean; publishedPorts: string[]; filtered?: boolean};
  selinux: 'enforcing' | 'permissive' | 'disabled' | 'absent';
  wireguard: {kernel: boolean; wireguardGo: boolean; tools: boolean};
  listeners: Listener[];
  operator: {
    loginUser: string;
    clientAddress?: string;
    clientPort?: number;
    serverAddress?: string;
    serverPort?: number;
    /** From the auth log line of this very session, when found. */
    authMethod?: string;
    /** SHA256 fingerprint of the key this session used, when the log shows it. */
    keyFingerprint?: string;
  };
  sudoUsers: SudoUser[];
  /** Public key lines in root's authorized_keys (public material, safe to copy to another user). */
  rootKeys: string[];
  network: {defaultInterface?: string; addresses: string[]; routes: string[]};
  portcullis: {stateDir: boolean; lock?: string; armedTimers: string[]};
  tools: {systemdRun: boolean; at: boolean; base64: boolean};
}

export function sshdValue(f: Facts, key: string): string | undefined {
  return f.ssh.effective[key.toLowerCase()]?.[0];
}

export function sshPorts(f: Facts): number[] {
  const ports = (f.ssh.effective.port ?? ['22']).map(Number).filter((n) => n > 0);
  return ports.length ? [...new Set(ports)] : [22];
}
