import type {Facts} from '../../src/core/facts.js';
import {canonical, isLoopback, parseNet, within} from '../../src/core/net.js';
import type {Finding, ProbeData} from '../../src/core/types.js';
import {parseServerConf} from '../../src/render/wireguard.js';
import {formatSubnet, subnetOf} from '../../src/wg/subnet.js';
import {WG_CONF} from '../wireguard.js';
import type {LockdownRules} from './ufw.js';

export type Source = LockdownRules['sshFrom'][number];

/** The tunnel the server runs (our wg0.conf), if any: its subnet and port. */
export function tunnelOf(probe: ProbeData): {subnet?: string; port: number} {
  const f = probe.files[WG_CONF];
  const conf = f?.exists ? parseServerConf(f.content ?? '') : undefined;
  if (!conf?.address) return {port: 51820};
  return {subnet: formatSubnet(subnetOf(conf.address)), port: conf.listenPort ?? 51820};
}

/** Who keeps SSH during the lockdown: the operator's own address, the tunnel, and `lockdown_allow_from`. */
export function sshSources(client: string, tunnel: string | undefined, allowFrom: readonly string[]): Source[] {
  const sources: Source[] = [{source: canonical(client, 'your client address'), why: 'operator'}];
  if (tunnel) sources.push({source: tunnel, why: 'tunnel'});
  for (const s of allowFrom) sources.push({source: s, why: 'allowed'});
  return sources.filter((s, i) => sources.findIndex((x) => x.source === s.source) === i);
}

const KEEPER = {operator: 'your own address', tunnel: 'the tunnel subnet'} as Record<string, string>;

/** A ban that would cut a way in that stays (a source keeping SSH), or the server itself: refused. */
export function banRefusals(ban: readonly string[], sources: readonly Source[], facts: Facts): Finding[] {
  const findings: Finding[] = [];
  for (const ip of ban) {
    const n = parseNet(ip);
    const hit = sources.find((s) => within(n, parseNet(s.source)));
    if (hit)
      findings.push({
        level: 'error',
        message: `ban ${ip} is inside ${hit.source} (${KEEPER[hit.why] ?? 'lockdown_allow_from'}), which keeps SSH: banning it would cut that way in`,
      });
    if (isLoopback(n)) findings.push({level: 'error', message: `ban ${ip} is this server's loopback`});
    const own = facts.network.addresses.some((a) => {
      try {
        return canonical(a.split('/')[0] ?? '') === ip;
      } catch {
        return false;
      }
    });
    if (own) findings.push({level: 'error', message: `ban ${ip} is one of this server's own addresses`});
  }
  return findings;
}
