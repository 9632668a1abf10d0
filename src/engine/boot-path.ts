import {bootHook, stepDir} from '../core/paths.js';
import {quote} from '../util/shell.js';

/**
 * The dead-man timer's boot path (see dead-man.ts): what a reboot inside the window runs, per init system,
 * written before the change and removed once the step is decided.
 */

/** Every path the boot path may have written, for removal (whatever the init system). */
function bootPaths(runId: string, stepId: string): string[] {
  const b = bootHook(runId, stepId);
  return [b.systemdUnit, b.systemdWants, b.openrcScript, `/etc/init.d/${b.openrcService}`, b.launchdPlist];
}

function systemdBootUnit(runId: string, stepId: string): string {
  const script = `${stepDir(runId, stepId)}/rollback.sh`;
  // DefaultDependencies=no: without it multi-user.target would be ordered after this unit too (a cycle
  // with After=multi-user.target). It runs once the services are up, so the step's reloads just work.
  return [
    '[Unit]',
    `Description=portcullis: roll back step ${stepId} of run ${runId} (armed and undecided at boot)`,
    'DefaultDependencies=no',
    'After=multi-user.target',
    'Conflicts=shutdown.target',
    'Before=shutdown.target',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=/bin/sh ${script} boot`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

function launchdPlist(runId: string, stepId: string): string {
  const script = `${stepDir(runId, stepId)}/rollback.sh`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0"><dict>',
    `<key>Label</key><string>${bootHook(runId, stepId).launchdLabel}</string>`,
    `<key>ProgramArguments</key><array><string>/bin/sh</string><string>${script}</string><string>boot</string></array>`,
    '<key>RunAtLoad</key><true/>',
    '</dict></plist>',
    '',
  ].join('\n');
}

/**
 * Writes the boot path for the init system found on the target. OpenRC runs local.d scripts only when
 * the `local` service is in a runlevel: if it is not, it is added, and removed again with the hook.
 * Fails (non-zero) when the hook cannot be written: the step must not go on without it.
 */
export function bootHookLines(runId: string, stepId: string): string[] {
  const b = bootHook(runId, stepId);
  const d = stepDir(runId, stepId);
  const script = `${d}/rollback.sh`;
  const put = (path: string, content: string, mode: string) => [
    `  printf '%s' ${quote(content)} > ${quote(`${path}.pc-new`)}`,
    `  chmod ${mode} ${quote(`${path}.pc-new`)}`,
    `  mv -f ${quote(`${path}.pc-new`)} ${quote(path)}`,
  ];
  const wantsDir = b.systemdWants.slice(0, b.systemdWants.lastIndexOf('/'));
  const openrc = `#!/bin/sh\n# portcullis: boot path of a dead-man timer (removed once the step is decided)\nexec /bin/sh ${script} boot\n`;
  const openrcService = [
    '#!/sbin/openrc-run',
    `description="portcullis: roll back step ${stepId} of run ${runId} (armed and undecided at boot)"`,
    'depend() { after *; }',
    `start() { /bin/sh ${script} boot; }`,
    '',
  ].join('\n');
  return [
    'if [ -d /run/systemd/system ]; then',
    `  mkdir -p ${quote(b.systemdUnit.slice(0, b.systemdUnit.lastIndexOf('/')))}`,
    ...put(b.systemdUnit, systemdBootUnit(runId, stepId), '0644'),
    `  mkdir -p ${quote(wantsDir)}`,
    `  ln -sf ${quote(b.systemdUnit)} ${quote(b.systemdWants)}`,
    'elif command -v openrc >/dev/null 2>&1 && command -v rc-update >/dev/null 2>&1; then',
    // Debian's OpenRC has no `local` service (its rc.local runs /etc/rc.local): a service of our own there.
    '  if [ ! -e /etc/init.d/local ]; then',
    ...put(`/etc/init.d/${b.openrcService}`, openrcService, '0755').map((l) => `  ${l}`),
    `    rc-update add ${b.openrcService} default >/dev/null`,
    '  else',
    '  mkdir -p /etc/local.d',
    ...put(b.openrcScript, openrc, '0755'),
    `  if ! rc-update show 2>/dev/null | grep -Eq '^[[:space:]]*local[[:space:]]*[|]'; then`,
    '    rc-update add local default >/dev/null',
    `    : > ${quote(`${d}/boot.local-added`)}`,
    '  fi',
    '  fi',
    'elif [ "$(uname -s)" = Darwin ]; then',
    ...put(b.launchdPlist, launchdPlist(runId, stepId), '0644'),
    'else',
    "  echo 'no boot path for the dead-man timer on this init system: a reboot inside the window keeps the change' >&2",
    'fi',
  ];
}

/**
 * Shell function `pcunhook`: removes the boot path (every variant), never fails. Run by our own OpenRC service at
 * boot (`RC_SVCNAME`, which openrc-run exports, is its name), the service's script must outlive its start: OpenRC
 * marks a service started only while its script exists, so one removed during its own start stays "starting" until
 * the next boot (the runlevel never looks finished). A detached remover then waits for the mark, and takes the script
 * and the service's record away.
 */
export function unhookFunction(runId: string, stepId: string): string {
  const d = stepDir(runId, stepId);
  const added = quote(`${d}/boot.local-added`);
  const service = bootHook(runId, stepId).openrcService;
  const script = `/etc/init.d/${service}`;
  const drop = `if [ -e ${script} ]; then rc-update del ${service} default >/dev/null 2>&1; fi; `;
  const later = `n=0; while [ -L /run/openrc/starting/${service} ] && [ $n -lt 300 ]; do sleep 1; n=$((n+1)); done; rm -f ${script} /run/openrc/started/${service}`;
  const own = `if [ "\${RC_SVCNAME:-}" = ${service} ]; then setsid sh -c ${quote(later)} </dev/null >/dev/null 2>&1 & else rm -f ${script}; fi; `;
  const rest = bootPaths(runId, stepId).filter((p) => p !== script);
  return `pcunhook() { ${drop}${own}rm -f ${rest.map(quote).join(' ')}; if [ -f ${added} ]; then rc-update del local default >/dev/null 2>&1; rm -f ${added}; fi; }`;
}
