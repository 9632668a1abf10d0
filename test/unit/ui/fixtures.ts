import type {Action, PlannedStep, Risk} from '../../../src/core/types.js';
import type {Exposure} from '../../../src/platform/exposure.js';

/** A planned step as the engine emits it, with one file diff and a few commands. */
export function planned(id: string, risk: Risk, actions: Action[], diffs: (string | undefined)[] = []): PlannedStep {
  return {
    id,
    title: id === 'admin-user' ? 'Admin user' : id === 'ssh-hardening' ? 'SSH hardening' : id,
    why: `Why ${id} matters.`,
    risk,
    undo: `How ${id} is undone.`,
    plan: {actions, findings: [], onRollback: []},
    diffs: actions.map((_, i) => diffs[i]),
  };
}

export const ADMIN = planned(
  'admin-user',
  'reversible',
  [
    {kind: 'run', argv: ['useradd', '-m', 'admin'], label: 'create the user admin'},
    {kind: 'file.write', path: '/home/admin/.ssh/authorized_keys', content: 'ssh-ed25519 AAAA op\n', mode: 0o600},
    {kind: 'proof', route: {user: 'admin'}, what: 'admin logs in with the key'},
  ],
  [undefined, '--- /dev/null\n+++ /home/admin/.ssh/authorized_keys\n@@ -0,0 +1 @@\n+ssh-ed25519 AAAA op\n'],
);

export const SSH = planned(
  'ssh-hardening',
  'lockout',
  [
    {kind: 'timer.arm', seconds: 120},
    {
      kind: 'file.write',
      path: '/etc/ssh/sshd_config.d/00-portcullis.conf',
      content: 'PermitRootLogin no\nPort 2222\n',
      mode: 0o600,
    },
    {kind: 'run', argv: ['sshd', '-t'], label: 'check the sshd configuration (sshd -t)'},
    {kind: 'service', op: 'reload', unit: 'ssh', init: 'systemd'},
    {kind: 'proof', route: {user: 'admin', port: 2222}, what: 'admin logs in with a key on port 2222'},
    {kind: 'timer.disarm'},
  ],
  [
    undefined,
    '--- /dev/null\n+++ /etc/ssh/sshd_config.d/00-portcullis.conf\n@@ -0,0 +1,2 @@\n+PermitRootLogin no\n+Port 2222\n-Port 22\n',
  ],
);

export const STEPS = [
  {id: 'preflight', title: 'Preflight', risk: 'safe' as Risk},
  {id: 'admin-user', title: 'Admin user', risk: 'reversible' as Risk},
  {id: 'ssh-hardening', title: 'SSH hardening', risk: 'lockout' as Risk},
];

export function exposure(address: string, port: number, process: string, flag: boolean, isPublic = true): Exposure {
  return {
    proto: 'tcp',
    address,
    port,
    process,
    public: isPublic,
    exposed: isPublic,
    blocked: false,
    flag,
    fix: flag ? `bind ${process} to 127.0.0.1:${port}` : undefined,
  };
}
