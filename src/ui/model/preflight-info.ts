import type {Facts} from '../../core/facts.js';
import type {Exposure} from '../../platform/exposure.js';
import type {ExposureState} from '../state/types.js';

export interface ListenerView {
  key: string;
  process: string;
  state: ExposureState;
  fix?: string;
}

/** What the preflight screen shows: the platform, the operator's own way in, and what is exposed. */
export interface PreflightInfo {
  platform: string;
  ssh: string;
  you: string;
  firewall: string;
  listeners: ListenerView[];
  notes: string[];
}

export function exposureState(e: Exposure): ExposureState {
  if (!e.public) return 'local';
  if (e.flag) return 'exposed';
  return e.exposed ? 'open' : 'blocked';
}

export function exposureKey(e: Exposure): string {
  const addr = e.address.includes(':') && !e.address.startsWith('[') ? `[${e.address}]` : e.address;
  return `${addr}:${e.port}/${e.proto}`;
}

export function listenerViews(list: readonly Exposure[]): ListenerView[] {
  const order: Record<ExposureState, number> = {exposed: 0, open: 1, blocked: 2, local: 3};
  return list
    .map((e) => ({key: exposureKey(e), process: e.process || '?', state: exposureState(e), fix: e.fix}))
    .sort((a, b) => order[a.state] - order[b.state] || a.key.localeCompare(b.key));
}

export function preflightInfo(
  facts: Facts,
  access: {kind: 'ssh' | 'local'; label: string},
  list: readonly Exposure[],
): PreflightInfo {
  const op = facts.operator;
  const how =
    op.authMethod === 'publickey'
      ? `with a key${op.keyFingerprint ? ` (${op.keyFingerprint.slice(0, 19)}…)` : ''}`
      : op.authMethod
        ? `with ${op.authMethod}`
        : '';
  const from = op.clientAddress ? `from ${op.clientAddress}` : access.kind === 'local' ? 'on the server itself' : '';
  const fw = facts.firewall.active === 'none' ? 'no active firewall' : `${facts.firewall.active} active`;
  const notes: string[] = [];
  if (facts.docker.present && facts.docker.publishedPorts.length)
    notes.push(`Docker publishes ${facts.docker.publishedPorts.join(', ')} (bypasses host firewalls)`);
  if (facts.selinux === 'enforcing') notes.push('SELinux is enforcing');
  if (facts.portcullis.armedTimers.length)
    notes.push(`a rollback timer from an earlier run is armed: ${facts.portcullis.armedTimers.join(', ')}`);
  return {
    platform: `${facts.os.pretty} · ${facts.init} · ${facts.packageManager}`,
    ssh: `${facts.ssh.versionText || 'OpenSSH ?'} · ${facts.ssh.unit}${facts.ssh.socketActivated ? ' (socket-activated)' : ''}`,
    you: [op.loginUser, from, how].filter(Boolean).join(' '),
    firewall: fw,
    listeners: listenerViews(list),
    notes,
  };
}
