import {type Facts, sshPorts} from '../../core/facts.js';
import type {AllowRule} from '../../core/firewall-policy.js';
import {allowRule, SSH_VIA_TUNNEL, specOf} from '../../core/firewall-policy.js';
import type {Action, ProbeData} from '../../core/types.js';
import {InputError} from '../../util/errors.js';
import {type BackendInput, type FirewallBackend, guarded} from './types.js';

/** Ports of the services a zone commonly lists; a service not here never counts as covering a port. */
const SERVICE_PORTS: Record<string, string[]> = {
  ssh: ['22/tcp'],
  http: ['80/tcp'],
  https: ['443/tcp'],
  wireguard: ['51820/udp'],
};

export interface ZoneView {
  target: string;
  services: string[];
  ports: string[];
  /** Rich rules, one per line as firewalld lists them. */
  rich: string[];
}

/** `firewall-cmd [--permanent] --list-all`. */
export function parseZone(out: string): ZoneView {
  const field = (k: string) => new RegExp(`^\\s*${k}:[ \\t]*(.*)$`, 'm').exec(out)?.[1]?.trim() ?? '';
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  const rich = out
    .split('\n')
    .map((l) => l.replace(/^\s*rich rules:/, '').trim())
    .filter((l) => l.startsWith('rule '));
  return {target: field('target'), services: words(field('services')), ports: words(field('ports')), rich};
}

/** Let in from the tunnel's network only: the tunnel interface is in the default zone, so its source tells it apart. */
export function tunnelRichRule(r: AllowRule): string {
  if (!r.via?.source) throw new InputError(`firewalld needs the tunnel network to let ${specOf(r)} in only from it`);
  const source = r.via.from ?? r.via.source;
  return `rule family="ipv4" source address="${source}" port port="${r.port}" protocol="${r.proto}" accept`;
}

const RICH_VIA =
  /^rule family="ipv4" source address="([0-9./]+)" port port="([0-9]{1,5})" protocol="(tcp|udp)" accept$/;

const covered = (z: ZoneView, r: AllowRule) =>
  r.via
    ? z.rich.includes(tunnelRichRule(r))
    : z.ports.includes(specOf(r)) || z.services.some((s) => SERVICE_PORTS[s]?.includes(specOf(r)));

/** The zone as `--list-all` shows it after the firewall step: the stock services, then our ports. */
function zoneAfter(rules: readonly AllowRule[]): string {
  const ssh22 = rules.some((r) => r.port === 22 && r.proto === 'tcp' && r.why.startsWith('ssh') && !r.via);
  const services = ['cockpit', 'dhcpv6-client', ...(ssh22 ? ['ssh'] : [])];
  const ports = rules.filter((r) => !r.via && !services.some((s) => SERVICE_PORTS[s]?.includes(specOf(r)))).map(specOf);
  return `public (active)\n  target: default\n  services: ${services.join(' ')}\n  ports: ${ports.join(' ')}\n  rich rules: \n`;
}

const ZONE = /^[A-Za-z0-9_-]{1,17}$/;

const FRESH_ZONE = 'public (active)\n  target: default\n  services: cockpit dhcpv6-client ssh\n  ports: \n';

export const firewalld: FirewallBackend = {
  probe: () => ({
    queries: {
      fwd_zone: 'firewall-cmd --get-default-zone 2>/dev/null || firewall-offline-cmd --get-default-zone',
      fwd_runtime: 'firewall-cmd --list-all',
      fwd_permanent: 'firewall-cmd --permanent --list-all 2>/dev/null || firewall-offline-cmd --list-all',
      fwd_enabled: 'systemctl is-enabled firewalld',
    },
  }),
  offline: (f) =>
    f.firewall.firewalld === 'absent'
      ? {
          queries: {
            fwd_zone: {code: 127, out: ''},
            fwd_runtime: {code: 127, out: ''},
            fwd_permanent: {code: 127, out: ''},
            fwd_enabled: {code: 1, out: ''},
          },
        }
      : {
          queries: {
            fwd_zone: {code: 0, out: 'public'},
            fwd_runtime: {code: 0, out: FRESH_ZONE},
            fwd_permanent: {code: 0, out: FRESH_ZONE},
            fwd_enabled: {code: 0, out: 'enabled'},
          },
        },
  tunnelOnly(f: Facts, probe: ProbeData) {
    // Rich rules carry no comment: ours are the exact shape close-ports adds, for a port sshd listens on.
    if (f.firewall.firewalld === 'absent') return [];
    const ssh = sshPorts(f);
    return parseZone(probe.queries.fwd_permanent?.out ?? '')
      .rich.map((l) => RICH_VIA.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && m[3] === 'tcp' && ssh.includes(Number(m[2])))
      .map((m) => allowRule(Number(m[2]), 'tcp', SSH_VIA_TUNNEL, {source: m[1]}));
  },
  assumed(f: Facts, rules: readonly AllowRule[]) {
    const zone = zoneAfter(rules);
    return {
      facts: {...f, firewall: {...f.firewall, active: 'firewalld', firewalld: 'running'}},
      probe: {
        files: {},
        queries: {
          fwd_zone: {code: 0, out: 'public'},
          fwd_runtime: {code: 0, out: zone},
          fwd_permanent: {code: 0, out: zone},
          fwd_enabled: {code: 0, out: 'enabled'},
        },
      },
    };
  },
  plan(input: BackendInput) {
    const {facts, rules, probe, proof, timeout, findings, closing} = input;
    const installed = facts.firewall.firewalld !== 'absent';
    const running = facts.firewall.firewalld === 'running';
    const zone = installed ? (probe.queries.fwd_zone?.out.trim() ?? '') || 'public' : 'public';
    if (!ZONE.test(zone)) {
      findings.push({
        level: 'error',
        message: `firewalld's default zone ${JSON.stringify(zone)} is not a zone name portcullis can use`,
      });
      return {actions: [], findings, onRollback: []};
    }
    const zoneFile = `/etc/firewalld/zones/${zone}.xml`;
    const runtime = running ? parseZone(probe.queries.fwd_runtime?.out ?? '') : undefined;
    const permanent = installed ? parseZone(probe.queries.fwd_permanent?.out ?? '') : parseZone(FRESH_ZONE);
    const sshOn22 = rules.some((r) => r.port === 22 && r.proto === 'tcp' && r.why.startsWith('ssh') && !r.via);
    const tunneled = rules.filter((r) => r.via);
    const live = running ? 'firewall-cmd' : 'firewall-offline-cmd';

    const edits = (z: ZoneView, cli: string[], layer: string): Action[] => {
      const out: Action[] = [];
      for (const r of rules) {
        if (covered(z, r)) continue;
        out.push(
          r.via
            ? {
                kind: 'firewall.rule',
                backend: 'firewalld',
                rule: `${layer}let ${specOf(r)} in from ${r.via.from ? `the tunnel peer ${r.via.from}` : `the tunnel network ${r.via.source}`} only, zone ${zone} (${r.why})`,
                argv: [...cli, `--zone=${zone}`, `--add-rich-rule=${tunnelRichRule(r)}`],
                touches: [zoneFile],
              }
            : {
                kind: 'firewall.rule',
                backend: 'firewalld',
                rule: `${layer}add port ${specOf(r)} to zone ${zone} (${r.why})`,
                argv: [...cli, `--zone=${zone}`, `--add-port=${specOf(r)}`],
                touches: [zoneFile],
              },
        );
      }
      // Closing: a port let in only from the tunnel is no longer a port of the zone (firewalld cannot tell whose it was).
      for (const r of closing ? tunneled : []) {
        if (!z.ports.includes(specOf(r))) continue;
        out.push({
          kind: 'firewall.rule',
          backend: 'firewalld',
          rule: `${layer}remove public port ${specOf(r)} from zone ${zone}: reachable through the tunnel only`,
          argv: [...cli, `--zone=${zone}`, `--remove-port=${specOf(r)}`],
          touches: [zoneFile],
        });
      }
      // The stock `ssh` service is port 22: once sshd has moved, it is an open port nothing should answer on;
      // once SSH is closed to the tunnel, it is the public way in that goes.
      if (!sshOn22 && z.services.includes('ssh')) {
        const why = tunneled.some((r) => r.port === 22)
          ? 'SSH is reachable through the tunnel only'
          : 'sshd no longer listens there';
        out.push({
          kind: 'firewall.rule',
          backend: 'firewalld',
          rule: `${layer}remove service ssh (port 22) from zone ${zone}: ${why}`,
          argv: [...cli, `--zone=${zone}`, '--remove-service=ssh'],
          touches: [zoneFile],
        });
      }
      return out;
    };

    const extra = permanent.services.filter(
      (s) => !['ssh', 'dhcpv6-client'].includes(s) && !rules.some((r) => SERVICE_PORTS[s]?.includes(specOf(r))),
    );
    if (extra.length) {
      findings.push({
        level: 'warn',
        message: `firewalld zone ${zone} also lets in ${extra.join(', ')} (kept: portcullis does not remove services it did not add)`,
        fix: extra.map((s) => `firewall-cmd --permanent --zone=${zone} --remove-service=${s}`).join(' && '),
      });
    }
    if (permanent.target === 'ACCEPT') {
      findings.push({
        level: 'warn',
        message: `firewalld zone ${zone} has target ACCEPT: it lets everything in whatever its rules say`,
        fix: `firewall-cmd --permanent --zone=${zone} --set-target=default && firewall-cmd --reload`,
      });
    }

    if (running) {
      // Runtime first (proven, then persisted): a rollback is `firewall-cmd --reload` of the restored zone file.
      const changes = edits(runtime ?? parseZone(''), ['firewall-cmd'], '');
      const persist = edits(permanent, ['firewall-cmd', '--permanent'], 'persist: ');
      if (!changes.length && !persist.length) return {actions: [], findings, onRollback: []};
      return {
        actions: guarded([], changes, proof, timeout, persist),
        findings,
        onRollback: [{kind: 'run', argv: ['firewall-cmd', '--reload']}],
      };
    }
    const changes = [
      ...edits(permanent, [live], ''),
      {kind: 'service', op: 'enable-now', unit: 'firewalld', init: facts.init} as Action,
    ];
    const pre: Action[] = installed
      ? []
      : [{kind: 'package.install', manager: facts.packageManager, packages: ['firewalld']}];
    const wasEnabled = probe.queries.fwd_enabled?.out.trim() === 'enabled';
    return {
      actions: guarded(pre, changes, proof, timeout),
      findings,
      onRollback: [{kind: 'service', op: wasEnabled ? 'stop' : 'disable-now', unit: 'firewalld', init: facts.init}],
    };
  },
};
