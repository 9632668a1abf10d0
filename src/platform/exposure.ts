import type {Facts, Inbound, Listener} from '../core/facts.js';
import {sshPorts} from '../core/facts.js';
import type {GivenValues} from '../core/values.js';
import {lets} from './firewall/inbound.js';

export interface Exposure extends Listener {
  /** Bound to every address (0.0.0.0 / ::) or a public one, not loopback. */
  public: boolean;
  /** Public, but the active firewall drops it from outside. */
  blocked: boolean;
  /** Public and not blocked: reachable from anywhere (as far as this host can tell: a provider firewall may sit above). */
  exposed: boolean;
  /** Exposed and not a service meant to be public (SSH, WireGuard, recipe ports). */
  flag: boolean;
  fix?: string;
}

const LOOPBACK = /^(127\.|::1$|localhost)/;

/** Ports the recipe means to be public besides SSH: `public_ports`, and WireGuard's UDP port unless turned off. */
export function meantPublic(values: GivenValues): string[] {
  const ports = [...(values.public_ports ?? [])];
  if (values.firewall_allow_wireguard !== false) ports.push(`${values.wg_port ?? 51820}/udp`);
  return ports;
}

/** `0.0.0.0:8080->80/tcp` as `docker ps` prints a published port. */
function dockerListener(spec: string): Listener | undefined {
  const m = /^(.*):([0-9]+)->[0-9]+\/(tcp|udp)$/.exec(spec.trim());
  if (!m) return undefined;
  return {
    proto: m[3] as 'tcp' | 'udp',
    address: (m[1] ?? '').replace(/^\[|\]$/g, ''),
    port: Number(m[2]),
    process: 'docker',
  };
}

/**
 * Every listening socket, with the seeds' rule applied: internal services belong on 127.0.0.1, and
 * whatever the host firewall drops is not exposed. Docker-published ports bypass the host firewall, so
 * they are never counted as blocked.
 */
export function exposures(facts: Facts, meant: readonly string[] = []): Exposure[] {
  const ssh = sshPorts(facts).map((p) => `${p}/tcp`);
  const allowed = new Set([...ssh, ...meant]);
  const published = facts.docker.publishedPorts.map(dockerListener).filter((l): l is Listener => l !== undefined);
  const docker = new Set(published.map((l) => `${l.port}/${l.proto}`));
  const listeners = [...facts.listeners];
  for (const d of published) {
    if (!listeners.some((l) => l.port === d.port && l.proto === d.proto)) listeners.push(d);
  }
  const inbound = facts.firewall.inbound;
  return listeners.map((l) => {
    const pub = !LOOPBACK.test(l.address) && !l.address.startsWith('fe80');
    const viaDocker = l.process === 'docker-proxy' || l.process === 'docker' || docker.has(`${l.port}/${l.proto}`);
    const families: (Inbound | undefined)[] =
      l.address === '::' ? [inbound?.v4, inbound?.v6] : l.address.includes(':') ? [inbound?.v6] : [inbound?.v4];
    // The docker-firewall step's chain drops outside connections to Docker's IPv4 DNAT, but public_ports.
    const dockerClosed =
      facts.docker.filtered === true && !l.address.includes(':') && !meant.includes(`${l.port}/${l.proto}`);
    const blocked =
      pub && (viaDocker ? dockerClosed : families.every((p) => p !== undefined && !lets(p, l.port, l.proto)));
    const exposed = pub && !blocked;
    const isMeant = allowed.has(`${l.port}/${l.proto}`) || (l.proto === 'udp' && [68, 546].includes(l.port));
    const flag = exposed && !isMeant;
    return {
      ...l,
      public: pub,
      blocked,
      exposed,
      flag,
      fix: flag ? fixFor(l, viaDocker, inbound !== undefined) : undefined,
    };
  });
}

function fixFor(l: Listener, viaDocker: boolean, filtered: boolean): string {
  if (viaDocker)
    return `Docker publishes ${l.port}/${l.proto} past the host firewall: run the docker-firewall step (the tunnel only), publish it on 127.0.0.1 (-p 127.0.0.1:${l.port}:...) or drop it in the DOCKER-USER chain`;
  return `bind ${l.process} to 127.0.0.1:${l.port}, or let it in through the tunnel only (--set tunnel_ports=${l.port}/${l.proto}); ${filtered ? 'the firewall lets it in: remove its allow rule' : "the firewall's default deny closes it meanwhile"}`;
}
