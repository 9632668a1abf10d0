import {describe, expect, it} from 'vitest';
import {type Facts, PLATFORMS} from '../../src/core/facts.js';
import type {ProbeData, Step, StepPlan} from '../../src/core/types.js';
import {touchedPaths} from '../../src/engine/changes.js';
import {rollbackScript} from '../../src/engine/scripts.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {STEPS} from '../../steps/index.js';
import {planOffline} from '../helpers/step-conformance.js';

/**
 * The rollback.sh every step writes, on every platform profile, for a few recipes' values on a fresh host
 * (and on hosts with Docker, the firewall already on, and a running tunnel): compared with the scripts
 * recorded in __snapshots__, so a change to how rollback is planned or compiled shows as a diff here.
 */
const RECIPES: Record<string, Record<string, unknown>> = {
  'fresh-vps': {admin_user: 'admin', ssh_port: 2222, admin_sudo: 'nopasswd', watch: true, updates_reboot: true},
  'no-port-move': {admin_user: 'admin', admin_sudo: 'nopasswd', wg_peers: ['laptop', 'phone']},
  lockdown: {ban: ['198.51.100.7', '2001:db8::99'], lockdown_allow_from: ['192.0.2.0/24']},
  agent: {
    admin_user: 'admin',
    admin_sudo: 'nopasswd',
    service_unit: 'agent.service',
    service_user: 'agent',
    harden_units: ['agent-ui.service'],
    docker_allow_from: ['192.0.2.10'],
  },
};

function variants(facts: Facts): Record<string, Facts> {
  const docker = structuredClone(facts);
  docker.docker = {present: true, publishedPorts: ['0.0.0.0:8080->80/tcp']};
  const on = structuredClone(facts);
  on.firewall = {...on.firewall, active: 'ufw', ufw: 'active', firewalld: 'running', pf: 'enabled'};
  on.operator = {...on.operator, clientAddress: '203.0.113.9', clientPort: 50022};
  return {fresh: facts, docker, 'firewall-on': on};
}

/** The step's own part of its rollback.sh: what is restored, then what runs after (the rest is the same for all). */
function script(id: string, plan: StepPlan): string {
  const lines = rollbackScript('R', id, touchedPaths(plan.actions), plan.onRollback).split('\n');
  return lines
    .slice(lines.indexOf('echo rolling-back > "$D/state"') + 1, lines.indexOf('echo rolled-back > "$D/state"'))
    .join('\n');
}

/** Hosts a fresh one is not: what a step's probe reads there, for the branches of its rollback. */
const WG =
  '# Managed by portcullis.\n[Interface]\nAddress = 10.8.0.1/24\nListenPort = 51820\nPostUp = wg set %i private-key /etc/wireguard/wg0.key\n';
const BRANCHES: Record<string, Record<string, Partial<ProbeData>>> = {
  'admin-user': {
    'existing, not a sudoer': {
      queries: {
        admin_passwd: {code: 0, out: 'admin:x:1000:1000::/home/admin:/bin/bash'},
        admin_groups: {code: 0, out: 'admin'},
        admin_keys: {code: 0, out: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG0 admin'},
      },
    },
  },
  'service-user': {
    'existing with a login shell, unit stopped': {
      queries: {
        svc_passwd: {code: 0, out: 'agent:x:999:999::/nonexistent:/bin/bash'},
        svc_password: {code: 0, out: 'agent L 2024-01-01 0 99999 7 -1'},
        svc_unit: {code: 0, out: 'LoadState=loaded\nActiveState=inactive\nUser=agent\nNeedDaemonReload=no'},
        svc_commands: {code: 0, out: ''},
      },
    },
  },
  fail2ban: {
    running: {
      queries: {
        f2b_present: {code: 0, out: '/usr/bin/fail2ban-client'},
        f2b_active: {code: 0, out: 'active'},
        f2b_sshd: {code: 1, out: ''},
        f2b_pysystemd: {code: 0, out: ''},
      },
    },
    'installed, stopped': {
      queries: {
        f2b_present: {code: 0, out: '/usr/bin/fail2ban-client'},
        f2b_active: {code: 3, out: 'inactive'},
        f2b_sshd: {code: 1, out: ''},
        f2b_pysystemd: {code: 0, out: ''},
      },
    },
  },
  wireguard: {
    'running, a peer added': {
      files: {'/etc/wireguard/wg0.conf': {exists: true, mode: 0o600, content: WG}},
      queries: {wg_key: {code: 0, out: ''}, wg_dir: {code: 0, out: '700'}, wg_active: {code: 0, out: 'active'}},
    },
  },
  lockdown: {
    'fail2ban carries the bans': {
      queries: {ld_f2b: {code: 0, out: 'Status for the jail: sshd\n   `- Banned IP list:\t'}},
    },
  },
};

const answering = (step: Step<unknown>, probe: Partial<ProbeData>): Step<unknown> => ({
  ...step,
  offline: (f, p) => {
    const base = step.offline?.(f, p) ?? {};
    return {files: {...base.files, ...probe.files}, queries: {...base.queries, ...probe.queries}};
  },
});

describe('rollback.sh of every step on every platform profile', () => {
  it.each(PLATFORMS)('%s', async (platform) => {
    const out: Record<string, string[]> = {};
    const add = (id: string, plan: StepPlan, name: string) => {
      if (!plan.actions.length && !plan.onRollback.length) return;
      const s = script(id, plan);
      out[s] = [...(out[s] ?? []), `${name} ${id}`];
    };
    for (const [host, facts] of Object.entries(variants(profileFacts(platform))))
      for (const [recipe, values] of Object.entries(RECIPES))
        for (const c of await planOffline(STEPS, facts, values)) add(c.step.id, c.plan, `${host} ${recipe}`);
    for (const [id, cases] of Object.entries(BRANCHES)) {
      for (const [name, probe] of Object.entries(cases)) {
        const all = STEPS.map((s) => (s.id === id ? answering(s, probe) : s));
        for (const c of await planOffline(all, profileFacts(platform), {...RECIPES.agent, ...RECIPES.lockdown}))
          if (c.step.id === id) add(id, c.plan, name);
      }
    }
    // Keyed by the script: the cases that write the same one are listed together.
    expect(Object.entries(out).map(([s, cases]) => ({cases, script: s.split('\n')}))).toMatchSnapshot();
  });
});
