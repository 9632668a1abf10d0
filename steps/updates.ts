import type {Facts} from '../src/core/facts.js';
import type {Action, Finding, ProbeData, ProbeRequest, Step} from '../src/core/types.js';
import {cronMissing, cronStateQuery} from '../src/platform/cron.js';

export const AUTO_UPGRADES = '/etc/apt/apt.conf.d/20auto-upgrades';
export const UU_CONF = '/etc/apt/apt.conf.d/52portcullis-unattended-upgrades';
export const DNF_AUTOMATIC = '/etc/dnf/automatic.conf';

export interface UpdatesParams {
  /** Reboot by itself when an update needs it (default false: say so, never reboot). */
  reboot: boolean;
}

const PERIODIC = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';

/** Security origins only: Debian's and Ubuntu's stock lists also take point releases and -updates. */
function uuConf(f: Facts, reboot: boolean): string {
  const origins =
    f.os.id === 'ubuntu'
      ? [
          'origin=Ubuntu,archive=${distro_codename}-security,label=Ubuntu',
          'origin=UbuntuESM,archive=${distro_codename}-infra-security',
        ]
      : [
          'origin=Debian,codename=${distro_codename}-security,label=Debian-Security',
          'origin=Debian,codename=${distro_codename},label=Debian-Security',
        ];
  return [
    '// Managed by portcullis (updates step): security updates only. Removed by portcullis rollback.',
    '#clear Unattended-Upgrade::Allowed-Origins;',
    '#clear Unattended-Upgrade::Origins-Pattern;',
    'Unattended-Upgrade::Origins-Pattern {',
    ...origins.map((o) => `        "${o}";`),
    '};',
    `Unattended-Upgrade::Automatic-Reboot "${reboot}";`,
    '',
  ].join('\n');
}

function dnfConf(reboot: boolean): string {
  return [
    '# Managed by portcullis (updates step): security updates, applied. Restored by portcullis rollback.',
    '[commands]',
    'upgrade_type = security',
    'download_updates = yes',
    'apply_updates = yes',
    `reboot = ${reboot ? 'when-needed' : 'never'}`,
    '[emitters]',
    'emit_via = stdio',
    '',
  ].join('\n');
}

/**
 * Without systemd, apt's periodic jobs (unattended-upgrades among them) run from cron's daily job
 * /etc/cron.daily/apt-compat (it steps aside only where systemd runs apt-daily-upgrade.timer): cron must be installed
 * and running. One word: absent, stopped, no-apt-job or running.
 */
const CRON_STATE = cronStateQuery({path: '/etc/cron.daily/apt-compat', word: 'no-apt-job'});

function cronAdvice(state: string): string | undefined {
  const why = 'without systemd, unattended-upgrades runs only from cron (its daily job /etc/cron.daily/apt-compat)';
  if (state === 'running') return undefined;
  if (state === 'no-apt-job') return `/etc/cron.daily/apt-compat is missing: ${why} (apt-get install --reinstall apt)`;
  return cronMissing(state, why);
}

export const updates: Step<UpdatesParams> = {
  id: 'updates',
  title: 'Automatic security updates',
  why: 'Most break-ins use holes that already have a fix; security updates that install themselves close them within a day, without a person remembering to.',
  risk: 'reversible',
  undo: 'Its configuration files are removed or restored; the package stays installed.',
  params: (values) => ({reboot: values.updates_reboot}),
  probe: (f): ProbeRequest =>
    f.family === 'debian'
      ? {
          files: [AUTO_UPGRADES, UU_CONF],
          queries: {
            uu_present: 'command -v unattended-upgrade',
            ...(f.init === 'openrc'
              ? {uu_cron: CRON_STATE}
              : {uu_timer: 'systemctl is-enabled apt-daily-upgrade.timer'}),
          },
        }
      : f.family === 'rhel'
        ? {files: [DNF_AUTOMATIC], queries: {dnf_timer: 'systemctl is-enabled dnf-automatic.timer'}}
        : {},
  offline: (f): Partial<ProbeData> =>
    f.family === 'debian'
      ? {
          queries: {
            uu_present: {code: 1, out: ''},
            ...(f.init === 'openrc' ? {uu_cron: {code: 0, out: 'running'}} : {uu_timer: {code: 0, out: 'enabled'}}),
          },
        }
      : {queries: {dnf_timer: {code: 1, out: 'disabled'}}},
  plan({facts, params: p, probe}) {
    const findings: Finding[] = [];
    if (!p.reboot)
      findings.push({
        level: 'info',
        message: 'no automatic reboot (updates_reboot=true allows one when an update needs it)',
      });
    if (facts.family === 'rhel') {
      const content = dnfConf(p.reboot);
      if (probe.files[DNF_AUTOMATIC]?.content === content && probe.queries.dnf_timer?.out.trim() === 'enabled')
        return {actions: [], findings, onRollback: []};
      return {
        actions: [
          {kind: 'package.install', manager: facts.packageManager, packages: ['dnf-automatic']},
          {kind: 'file.write', path: DNF_AUTOMATIC, content, mode: 0o644},
          {kind: 'service', op: 'enable-now', unit: 'dnf-automatic.timer', init: facts.init},
        ],
        findings,
        onRollback: [
          {
            kind: 'service',
            op: 'disable-now',
            unit: 'dnf-automatic.timer',
            init: facts.init,
            quiet: 'stderr',
            orTrue: true,
          },
        ],
      };
    }
    if (facts.family !== 'debian') {
      findings.push({
        level: 'info',
        message: `automatic security updates are not offered on ${facts.os.pretty} by portcullis: set them up with the platform's own tool`,
      });
      return {actions: [], findings, onRollback: []};
    }
    const q = probe.queries;
    const conf = uuConf(facts, p.reboot);
    const actions: Action[] = [];
    if (q.uu_present?.code !== 0)
      actions.push({kind: 'package.install', manager: facts.packageManager, packages: ['unattended-upgrades']});
    if (probe.files[AUTO_UPGRADES]?.content !== PERIODIC)
      actions.push({kind: 'file.write', path: AUTO_UPGRADES, content: PERIODIC, mode: 0o644});
    if (probe.files[UU_CONF]?.content !== conf)
      actions.push({kind: 'file.write', path: UU_CONF, content: conf, mode: 0o644});
    if (facts.init === 'openrc') {
      const cron = cronAdvice(q.uu_cron?.out.trim() ?? '');
      if (cron) findings.push({level: 'warn', message: cron});
    } else if (!/^enabled/.test(q.uu_timer?.out.trim() ?? ''))
      findings.push({
        level: 'warn',
        message: `apt-daily-upgrade.timer is ${q.uu_timer?.out.trim() || 'not enabled'}: unattended-upgrades only runs when it does (systemctl enable --now apt-daily-upgrade.timer)`,
      });
    if (!actions.length) return {actions, findings, onRollback: []};
    actions.push({
      kind: 'run',
      // Packages installing ahead hold apt's lock: the dry run waits for it (up to 5 minutes).
      label: 'check with its own dry run that only security origins are taken (unattended-upgrade --dry-run)',
      argv: [
        'sh',
        '-c',
        'end=$(( $(date +%s) + 300 )); while :; do out=$(unattended-upgrade --dry-run -d 2>&1) && break; printf "%s\\n" "$out" | grep -q "lock" && [ "$(date +%s)" -lt "$end" ] && { sleep 1; continue; }; printf "%s\\n" "$out" | tail -5 >&2; exit 1; done; list=$(printf "%s\\n" "$out" | sed -n "s/.*Allowed origins are: //p"); [ -n "$list" ] || { echo "the dry run names no allowed origin" >&2; exit 1; }; printf "%s\\n" "$list" | sed "s/, /\\n/g" | grep -v "[Ss]ecurity" >&2 && { echo "these origins are not security origins" >&2; exit 1; }; echo "allowed origins: $list"',
      ],
    });
    return {actions, findings, onRollback: []};
  },
};
