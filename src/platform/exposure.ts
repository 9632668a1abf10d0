import type {Facts, Listener} from './facts.js';
import {sshPorts} from './facts.js';

export interface Exposure extends Listener {
  /** Bound to every address (0.0.0.0 / ::) or a public one, not loopback. */
  public: boolean;
  /** Public and not a service meant to be public (SSH, WireGuard, recipe ports). */
  flag: boolean;
  fix?: string;
}

const LOOPBACK = /^(127\.|::1$|localhost)/;

/** Every listening socket, with the seeds' rule applied: internal services belong on 127.0.0.1. */
export function exposures(facts: Facts, meantPublic: readonly string[] = []): Exposure[] {
  const ssh = sshPorts(facts).map((p) => `${p}/tcp`);
  const allowed = new Set([...ssh, ...meantPublic]);
  return facts.listeners.map((l) => {
    const pub = !LOOPBACK.test(l.address) && !l.address.startsWith('fe80');
    const meant = allowed.has(`${l.port}/${l.proto}`) || (l.proto === 'udp' && [68, 546].includes(l.port));
    const flag = pub && !meant;
    return {
      ...l,
      public: pub,
      flag,
      fix: flag
        ? `bind ${l.process} to 127.0.0.1:${l.port} (or reach it through the tunnel); the firewall's default deny closes it meanwhile`
        : undefined,
    };
  });
}
