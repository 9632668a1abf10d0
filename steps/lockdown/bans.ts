import type {Action, Finding, ProbeData, RollbackAction} from '../../src/core/types.js';

/**
 * Bans through fail2ban when its sshd jail runs (they end with the jail's bantime; the rollback lifts the
 * ones it added). `viaFail2ban` false: the bans become ufw deny rules instead (ufw.ts).
 */
export function planBans(
  probe: ProbeData,
  ban: readonly string[],
  findings: Finding[],
): {viaFail2ban: boolean; actions: Action[]; undo: RollbackAction[]} {
  const viaFail2ban = probe.queries.ld_f2b?.code === 0;
  const actions: Action[] = [];
  const undo: RollbackAction[] = [];
  if (!viaFail2ban) return {viaFail2ban, actions, undo};
  const banned = new Set(
    (/Banned IP list:\s*(.*)$/m.exec(probe.queries.ld_f2b?.out ?? '')?.[1] ?? '').split(/\s+/).filter(Boolean),
  );
  for (const ip of ban) {
    if (banned.has(ip)) continue;
    actions.push({
      kind: 'run',
      label: `ban ${ip} with fail2ban (jail sshd)`,
      argv: ['fail2ban-client', 'set', 'sshd', 'banip', ip],
    });
    undo.push({kind: 'run', argv: ['fail2ban-client', 'set', 'sshd', 'unbanip', ip], quiet: 'all', orTrue: true});
  }
  if (ban.length)
    findings.push({
      level: 'info',
      message:
        "bans go through fail2ban (its sshd jail runs): they end with the jail's bantime; the lockdown's default deny keeps the other ports closed meanwhile",
    });
  return {viaFail2ban, actions, undo};
}
