import type {Facts, Family, FirewallKind, InitSystem, Listener, PackageManager, PlatformId} from '../core/facts.js';
import {printable} from '../util/terminal.js';
import {inboundOf} from './firewall/inbound.js';

type KV = Map<string, string[]>;

function collect(stdout: string): KV {
  const kv: KV = new Map();
  for (const line of stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    const k = line.slice(0, tab);
    const list = kv.get(k) ?? [];
    list.push(line.slice(tab + 1));
    kv.set(k, list);
  }
  return kv;
}

export function familyOf(id: string, like: string[]): Family {
  const all = [id, ...like];
  if (id === 'macos') return 'macos';
  if (all.some((x) => x === 'debian' || x === 'ubuntu')) return 'debian';
  if (all.some((x) => ['rhel', 'fedora', 'centos', 'rocky', 'almalinux'].includes(x))) return 'rhel';
  if (all.includes('arch')) return 'arch';
  if (all.includes('alpine')) return 'alpine';
  return 'unknown';
}

export function platformOf(id: string, version: string): PlatformId | 'unknown' {
  const major = version.split('.')[0];
  if (id === 'debian' && (major === '12' || major === '13')) return `debian-${major}`;
  if (id === 'ubuntu' && (version === '22.04' || version === '24.04')) return `ubuntu-${version}`;
  if (['rhel', 'rocky', 'almalinux', 'centos'].includes(id) && major === '9') return 'rhel-9';
  if (id === 'fedora') return 'fedora';
  if (id === 'arch') return 'arch';
  if (id === 'alpine') return 'alpine';
  if (id === 'macos') return 'macos';
  return 'unknown';
}

const PKG: Record<string, PackageManager> = {
  'apt-get': 'apt',
  dnf: 'dnf',
  yum: 'dnf',
  apk: 'apk',
  pacman: 'pacman',
  brew: 'brew',
};

/** `ss -H -tulnp` line: Netid State Recv-Q Send-Q Local:Port Peer:Port Process */
export function parseSsLine(line: string): Listener | undefined {
  const cols = line.trim().split(/\s+/);
  const proto = cols[0];
  const local = cols[4];
  if ((proto !== 'tcp' && proto !== 'udp') || !local) return undefined;
  const idx = local.lastIndexOf(':');
  let address = local.slice(0, idx).replace(/^\[|\]$/g, '');
  address = address.replace(/%.*$/, '');
  if (address === '*') address = '0.0.0.0';
  const port = Number(local.slice(idx + 1));
  const proc = /users:\(\("([^"]+)"/.exec(line)?.[1] ?? '?';
  if (!Number.isFinite(port)) return undefined;
  // Any local user names their own processes: shown on the operator's terminal, so escaped.
  return {proto, address, port, process: printable(proc)};
}

/** `public (active)` (the first line of `firewall-cmd --list-all`) to the zone name, if it is a plain one. */
function zoneOf(line: string | undefined): {firewalldZone?: string} {
  const z = line?.trim().split(/\s+/)[0];
  return z && /^[A-Za-z0-9_-]{1,17}$/.test(z) ? {firewalldZone: z} : {};
}

export function parseFacts(stdout: string): Facts {
  const kv = collect(stdout);
  const one = (k: string) => kv.get(k)?.[0]?.trim() ?? '';
  const many = (k: string) => kv.get(k) ?? [];
  const id = one('os_id') || (one('kernel') === 'Darwin' ? 'macos' : 'unknown');
  const like = one('os_like').split(/\s+/).filter(Boolean);
  const version = one('os_version');
  const effective: Record<string, string[]> = {};
  for (const l of many('sshdT')) {
    const sp = l.indexOf(' ');
    const k = (sp < 0 ? l : l.slice(0, sp)).toLowerCase();
    const list = effective[k] ?? [];
    list.push(sp < 0 ? '' : l.slice(sp + 1));
    effective[k] = list;
  }
  const vt = one('ssh_version');
  const vm = /OpenSSH_(\d+)\.(\d+)/.exec(vt);
  const ufw = one('ufw') === 'active' ? 'active' : one('ufw') === 'inactive' ? 'inactive' : 'absent';
  const firewalld = one('firewalld') === 'running' ? 'running' : one('firewalld') === 'stopped' ? 'stopped' : 'absent';
  const pf = one('pf') === 'enabled' ? 'enabled' : one('pf') === 'disabled' ? 'disabled' : 'absent';
  const nftTables = many('nft_table').map((t) => t.replace(/^table\s+/, '').trim());
  const active: FirewallKind =
    ufw === 'active'
      ? 'ufw'
      : firewalld === 'running'
        ? 'firewalld'
        : pf === 'enabled'
          ? 'pf'
          : nftTables.some((t) => !/^(ip|ip6|inet) (nat|filter|mangle|raw|security)$/.test(t) || t === 'inet filter')
            ? 'nftables'
            : 'none';
  const [clientAddress, clientPort, serverAddress, serverPort] = one('ssh_connection').split(' ');
  const authMethod = /Accepted ([a-z-]+) for/.exec(one('auth_line'))?.[1];
  const se = one('selinux').toLowerCase();
  return {
    source: 'live',
    platform: platformOf(id, version),
    os: {id, like, version, pretty: one('os_pretty') || id, kernel: one('kernel')},
    family: familyOf(id, like),
    init: (one('init') || 'other') as InitSystem,
    packageManager: PKG[one('pkg')] ?? 'none',
    hostname: one('hostname'),
    ssh: {
      version: vm ? {major: Number(vm[1]), minor: Number(vm[2])} : null,
      versionText: vt,
      unit: one('ssh_unit') || 'sshd',
      socketActivated: one('ssh_socket_enabled') === 'enabled' || one('ssh_socket_active') === 'active',
      socketGenerator: one('ssh_socket_generator') === 'yes',
      mainHasInclude: one('ssh_include') === 'yes',
      dropinDir: '/etc/ssh/sshd_config.d',
      dropins: many('ssh_dropin').sort(),
      configOk: one('ssh_test_rc') === '0',
      configError: one('ssh_test_msg'),
      effective,
    },
    firewall: {
      active,
      ufw,
      firewalld,
      ...zoneOf(many('fwd_line')[0]),
      nftTables,
      pf,
      inbound: inboundOf(active, {
        ufwLines: many('ufw_line'),
        ufwIpv6: one('ufw_ipv6'),
        firewalldLines: many('fwd_line'),
        firewalldServices: many('fwd_service'),
        nftLines: many('nft_pc'),
        pfRules: many('pf_rule'),
      }),
    },
    docker: {
      present: one('docker') === 'yes',
      publishedPorts: many('docker_port').map((p) => p.trim()),
      ...(one('docker_fw') === 'yes' ? {filtered: true} : {}),
    },
    selinux: se === 'enforcing' || se === 'permissive' || se === 'disabled' ? se : 'absent',
    wireguard: {kernel: kv.has('wg_kernel'), wireguardGo: kv.has('wg_go'), tools: kv.has('wg_tools')},
    listeners: dedupe(
      many('sock')
        .map(parseSsLine)
        .filter((l): l is Listener => l !== undefined),
    ),
    operator: {
      loginUser: one('login_user') || 'root',
      clientAddress: clientAddress || undefined,
      clientPort: clientPort ? Number(clientPort) : undefined,
      serverAddress: serverAddress || undefined,
      serverPort: serverPort ? Number(serverPort) : undefined,
      authMethod,
      keyFingerprint: /(SHA256:[A-Za-z0-9+/]+)/.exec(one('auth_line'))?.[1],
    },
    sudoUsers: dedupeBy(
      many('sudo_user').map((s) => {
        const [name = '', home = '', shell = '', keys = '0'] = s.split(':');
        return {name, home, shell, keys: Number(keys) || 0};
      }),
      (u) => u.name,
    ),
    rootKeys: many('root_key'),
    network: {defaultInterface: one('default_if') || undefined, addresses: many('addr'), routes: many('route')},
    portcullis: {
      stateDir: one('pc_state') === 'yes',
      lock: one('pc_lock') || undefined,
      armedTimers: one('armed_timers').split(/\s+/).filter(Boolean),
    },
    tools: {systemdRun: kv.has('systemd_run'), at: kv.has('at'), base64: kv.has('base64')},
  };
}

function dedupe(ls: Listener[]): Listener[] {
  return dedupeBy(ls, (l) => `${l.proto} ${l.address} ${l.port}`);
}

function dedupeBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
