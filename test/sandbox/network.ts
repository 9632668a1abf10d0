import {
  ATTACKER_IP,
  ATTACKER_IP6,
  LAPTOP_IP,
  LAPTOP_IP6,
  PREFIX_LEN,
  PREFIX_LEN6,
  VPS_IP,
  VPS_IP6,
} from './constants.js';
import {runOk} from './run.js';

export type HostRole = 'vps' | 'lap' | 'att';
const ROLES: Record<HostRole, {ip: string; ip6: string}> = {
  vps: {ip: VPS_IP, ip6: VPS_IP6},
  lap: {ip: LAPTOP_IP, ip6: LAPTOP_IP6},
  att: {ip: ATTACKER_IP, ip6: ATTACKER_IP6},
};

export const netnsName = (name: string, role: HostRole | 'sw'): string => `${name}-${role}`;
export const allNetns = (name: string): string[] =>
  (['sw', 'vps', 'lap', 'att'] as const).map((r) => netnsName(name, r));

/**
 * Four namespaces: a "switch" holding bridge br0, and vps/laptop/attacker each with an
 * eth0 veth into it. Every link is created directly inside a namespace of ours, so the host's
 * root namespace never sees a device. No default route: nothing beyond 192.0.2.0/24 exists.
 * Addresses use nodad so IPv6 is usable immediately. Throws if a name already exists.
 */
export async function createNetwork(name: string): Promise<void> {
  const sw = netnsName(name, 'sw');
  const lines = [`ip netns add ${sw}`, `ip -n ${sw} link set lo up`];
  lines.push(`ip -n ${sw} link add br0 type bridge stp_state 0 mcast_snooping 0`, `ip -n ${sw} link set br0 up`);
  for (const [role, addr] of Object.entries(ROLES)) {
    const ns = netnsName(name, role as HostRole);
    lines.push(
      `ip netns add ${ns}`,
      `ip -n ${sw} link add ${role} type veth peer name eth0 netns ${ns}`,
      `ip -n ${sw} link set ${role} master br0 up`,
      `ip -n ${ns} link set lo up`,
      `ip -n ${ns} addr add ${addr.ip}/${PREFIX_LEN} dev eth0`,
      `ip -n ${ns} addr add ${addr.ip6}/${PREFIX_LEN6} dev eth0 nodad`,
      `ip -n ${ns} link set eth0 up`,
    );
  }
  await runOk('sh', ['-euc', lines.join('\n')]);
}

/** Namespaces of ours that currently exist (any instance). */
export async function listNetns(): Promise<string[]> {
  const out = await runOk('ip', ['netns', 'list']);
  return parseNetnsList(out);
}

export function parseNetnsList(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '');
}

/**
 * One more VPS namespace on the bridge of instance `lan`: `NAME-vps` with eth0 at ip/ip6, its veth end in
 * lan's switch (named NAME). Deleting `NAME-vps` removes the pair; deleting lan's switch removes it too.
 */
export async function joinNetwork(name: string, lan: string, ip: string, ip6: string): Promise<void> {
  const sw = netnsName(lan, 'sw');
  const ns = netnsName(name, 'vps');
  await runOk('sh', [
    '-euc',
    [
      `ip netns add ${ns}`,
      `ip -n ${sw} link add ${name} type veth peer name eth0 netns ${ns}`,
      `ip -n ${sw} link set ${name} master br0 up`,
      `ip -n ${ns} link set lo up`,
      `ip -n ${ns} addr add ${ip}/${PREFIX_LEN} dev eth0`,
      `ip -n ${ns} addr add ${ip6}/${PREFIX_LEN6} dev eth0 nodad`,
      `ip -n ${ns} link set eth0 up`,
    ].join('\n'),
  ]);
}
