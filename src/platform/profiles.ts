import type {Facts, PlatformId} from '../core/facts.js';
import {familyOf} from './parse-facts.js';

/**
 * Offline profiles: the facts a fresh cloud image of each platform shows, so a plan can be read for a
 * platform you are not connected to. Values follow ../shared/reference/platforms.md; anything a live
 * run detects (listeners, users, addresses) is a plausible fresh-VPS example, marked by source 'profile'.
 */
interface Profile {
  id: string;
  like: string[];
  version: string;
  pretty: string;
  ssh: string;
  unit: string;
  socket?: boolean;
  include?: boolean;
  dropins?: string[];
  init?: Facts['init'];
  pkg: Facts['packageManager'];
  firewall?: Partial<Facts['firewall']>;
  selinux?: Facts['selinux'];
  wgKernel?: boolean;
  rootLogin?: string;
}

const PROFILES: Record<PlatformId, Profile> = {
  'debian-12': {
    id: 'debian',
    like: [],
    version: '12',
    pretty: 'Debian GNU/Linux 12 (bookworm)',
    ssh: 'OpenSSH_9.2p1',
    unit: 'ssh',
    pkg: 'apt',
    dropins: ['50-cloud-init.conf'],
    firewall: {ufw: 'absent', nftTables: []},
  },
  'debian-13': {
    id: 'debian',
    like: [],
    version: '13',
    pretty: 'Debian GNU/Linux 13 (trixie)',
    ssh: 'OpenSSH_10.0p1',
    unit: 'ssh',
    pkg: 'apt',
    dropins: ['50-cloud-init.conf'],
  },
  'ubuntu-22.04': {
    id: 'ubuntu',
    like: ['debian'],
    version: '22.04',
    pretty: 'Ubuntu 22.04 LTS',
    ssh: 'OpenSSH_8.9p1',
    unit: 'ssh',
    pkg: 'apt',
    dropins: ['50-cloud-init.conf'],
    firewall: {ufw: 'inactive'},
  },
  'ubuntu-24.04': {
    id: 'ubuntu',
    like: ['debian'],
    version: '24.04',
    pretty: 'Ubuntu 24.04 LTS',
    ssh: 'OpenSSH_9.6p1',
    unit: 'ssh',
    socket: true,
    pkg: 'apt',
    dropins: ['50-cloud-init.conf', '60-cloudimg-settings.conf'],
    firewall: {ufw: 'inactive'},
  },
  'rhel-9': {
    id: 'rhel',
    like: ['fedora'],
    version: '9.4',
    pretty: 'Red Hat Enterprise Linux 9.4',
    ssh: 'OpenSSH_8.7p1',
    unit: 'sshd',
    pkg: 'dnf',
    dropins: ['50-cloud-init.conf', '50-redhat.conf'],
    firewall: {firewalld: 'running', active: 'firewalld', firewalldZone: 'public'},
    selinux: 'enforcing',
    rootLogin: 'yes',
  },
  fedora: {
    id: 'fedora',
    like: [],
    version: '41',
    pretty: 'Fedora Linux 41',
    ssh: 'OpenSSH_9.8p1',
    unit: 'sshd',
    pkg: 'dnf',
    dropins: ['50-redhat.conf'],
    firewall: {firewalld: 'running', active: 'firewalld', firewalldZone: 'public'},
    selinux: 'enforcing',
    rootLogin: 'yes',
  },
  arch: {
    id: 'arch',
    like: [],
    version: '',
    pretty: 'Arch Linux',
    ssh: 'OpenSSH_10.0p1',
    unit: 'sshd',
    pkg: 'pacman',
    dropins: [],
  },
  alpine: {
    id: 'alpine',
    like: [],
    version: '3.21.0',
    pretty: 'Alpine Linux v3.21',
    ssh: 'OpenSSH_9.9p1',
    unit: 'sshd',
    init: 'openrc',
    pkg: 'apk',
    dropins: [],
    include: true,
  },
  macos: {
    id: 'macos',
    like: [],
    version: '26.0',
    pretty: 'macOS 26.0',
    ssh: 'OpenSSH_10.0p1',
    unit: 'com.openssh.sshd',
    init: 'launchd',
    pkg: 'brew',
    dropins: ['100-macos.conf'],
    firewall: {pf: 'disabled'},
    wgKernel: false,
  },
};

export function profileFacts(platform: PlatformId): Facts {
  const p = PROFILES[platform];
  const vm = /OpenSSH_(\d+)\.(\d+)/.exec(p.ssh);
  const mac = platform === 'macos';
  const firewall: Facts['firewall'] = {
    active: 'none',
    ufw: 'absent',
    firewalld: 'absent',
    nftTables: [],
    pf: 'absent',
    ...p.firewall,
  };
  return {
    source: 'profile',
    platform,
    os: {id: p.id, like: p.like, version: p.version, pretty: p.pretty, kernel: mac ? 'Darwin' : 'Linux'},
    family: familyOf(p.id, p.like),
    init: p.init ?? 'systemd',
    packageManager: p.pkg,
    hostname: 'vps',
    ssh: {
      version: vm ? {major: Number(vm[1]), minor: Number(vm[2])} : null,
      versionText: p.ssh,
      unit: p.unit,
      socketActivated: p.socket ?? false,
      socketGenerator: p.socket ?? false,
      mainHasInclude: p.include ?? true,
      dropinDir: '/etc/ssh/sshd_config.d',
      dropins: p.dropins ?? [],
      configOk: true,
      configError: '',
      effective: {
        port: ['22'],
        permitrootlogin: [p.rootLogin ?? 'without-password'],
        passwordauthentication: ['yes'],
        kbdinteractiveauthentication: ['no'],
        pubkeyauthentication: ['yes'],
        x11forwarding: ['yes'],
        maxauthtries: ['6'],
        clientaliveinterval: ['0'],
        clientalivecountmax: ['3'],
        allowtcpforwarding: ['yes'],
        allowagentforwarding: ['yes'],
      },
    },
    firewall,
    docker: {present: false, publishedPorts: []},
    selinux: p.selinux ?? 'absent',
    wireguard: {kernel: p.wgKernel ?? true, wireguardGo: false, tools: false},
    listeners: [
      {proto: 'tcp', address: '0.0.0.0', port: 22, process: mac ? 'launchd' : 'sshd'},
      {proto: 'tcp', address: '::', port: 22, process: mac ? 'launchd' : 'sshd'},
    ],
    operator: {
      loginUser: 'root',
      clientAddress: '198.51.100.7',
      clientPort: 50000,
      serverAddress: '203.0.113.5',
      serverPort: 22,
      authMethod: 'publickey',
    },
    sudoUsers: [],
    rootKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHN0YW5kLWluIGtleSBmb3Igb2ZmbGluZSBwbGFucyEhISE operator@laptop'],
    network: {
      defaultInterface: mac ? 'en0' : 'eth0',
      addresses: ['203.0.113.5/24'],
      routes: ['default', '203.0.113.0/24'],
    },
    portcullis: {stateDir: false, armedTimers: []},
    tools: {systemdRun: !mac && p.init !== 'openrc', at: false, base64: true},
  };
}

/** What `fail2ban-client status …` answers where fail2ban is not running: the offline plans' answer. */
export const FAIL2BAN_DOWN = {
  code: 255,
  out: 'ERROR   Failed to access socket path: /var/run/fail2ban/fail2ban.sock. Is fail2ban running?',
};
