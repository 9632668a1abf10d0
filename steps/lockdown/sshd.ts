import type {Facts} from '../../src/core/facts.js';
import type {Action, Finding, ProbeData, RollbackAction} from '../../src/core/types.js';
import {sshReload, sshReloadBack} from '../../src/platform/adapters.js';
import {adjustMainConfig, notShownBySshd, sshdChecks} from '../../src/render/sshd.js';

export const MAIN = '/etc/ssh/sshd_config';

/** Sorts before 00-portcullis.conf and every drop-in a platform ships, so its values win. */
export function lockdownDropin(f: Facts): string {
  return `${f.ssh.dropinDir}/00-portcullis-lockdown.conf`;
}

export const LOCKDOWN_SSHD = [
  '# Managed by portcullis (incident lockdown): key logins only. `portcullis rollback` removes this file.',
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  '',
].join('\n');

/** What sshd -T must show once passwords are off (the keyboard-interactive keyword changed in OpenSSH 8.7). */
export function passwordsOffLines(f: Facts): string[] {
  const v = f.ssh.version;
  if (!v) return ['passwordauthentication no'];
  const kbd =
    v.major > 8 || (v.major === 8 && v.minor >= 7) ? 'kbdinteractiveauthentication' : 'challengeresponseauthentication';
  return ['passwordauthentication no', `${kbd} no`];
}

/** sshd: passwords off with a drop-in of our own, checked with `sshd -T` before the reload. */
export function planPasswordsOff(
  facts: Facts,
  probe: ProbeData,
  findings: Finding[],
): {actions: Action[]; undo: RollbackAction[]} {
  const path = lockdownDropin(facts);
  const expected = passwordsOffLines(facts);
  const missing = notShownBySshd(facts.ssh.effective, expected);
  const ours = probe.files[path];
  if (ours?.exists && ours.content === LOCKDOWN_SSHD) {
    if (missing.length)
      findings.push({
        level: 'error',
        message: `${path} is in place but sshd -T does not show ${missing.join(', ')}: an earlier file or a Match block wins`,
      });
    return {actions: [], undo: []};
  }
  if (!ours?.exists && !missing.length) return {actions: [], undo: []};
  const actions: Action[] = [{kind: 'file.write', path, content: LOCKDOWN_SSHD, mode: 0o600}];
  if (!facts.ssh.mainHasInclude)
    actions.push({
      kind: 'file.write',
      path: MAIN,
      content: adjustMainConfig(probe.files[MAIN]?.content ?? '', `${facts.ssh.dropinDir}/*.conf`, true, false),
      mode: probe.files[MAIN]?.mode ?? 0o644,
    });
  actions.push(...sshdChecks(expected, `check sshd -T shows ${expected.join(', ')}`), ...sshReload(facts, false));
  return {actions, undo: sshReloadBack(facts)};
}
