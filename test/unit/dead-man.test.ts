import {spawnSync} from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {bootHook, STATE_DIR} from '../../src/core/paths.js';
import {armedJournalLine, armLines, armScript, commitLine, EXPIRED_EXIT} from '../../src/engine/dead-man.js';
import {serverDeadline} from '../../src/engine/protocol.js';
import {rollbackScript, SEGMENT_PRELUDE} from '../../src/engine/scripts.js';

/**
 * The dead-man timer's three deciders (deadline, boot path, commit) in a real shell, with every path the
 * scripts write (state dir, /etc, /Library, /run/systemd) moved under a temp dir and the init system's
 * tools replaced by fakes that log their arguments. The real systemd runs are in test/e2e/dead-man.test.ts.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    // A sleeper still waiting (its test ended before the window did): its whole group.
    const pid = join(d, 'state/runs/R/s/timer.pid');
    if (existsSync(pid)) spawnSync('kill', ['-KILL', '--', `-${readFileSync(pid, 'utf8').trim()}`]);
    rmSync(d, {recursive: true, force: true});
  }
});

/** Running (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

type Init = 'systemd' | 'openrc' | 'none';

const FAKE = (name: string, out = '') => `#!/bin/sh\necho "${name} $*" >> "$(dirname "$0")/../calls"\n${out}exit 0\n`;

function host(init: Init, opts: {localInRunlevel?: boolean; noLocalService?: boolean} = {}) {
  const root = mkdtempSync(join(tmpdir(), 'pc-deadman-'));
  dirs.push(root);
  const bin = join(root, 'bin');
  mkdirSync(bin);
  // systemd-run talks on stdout (a gate in the fault matrix does too): the arm must not take it for the deadline.
  const fakes: Record<string, string> = {
    systemctl: FAKE('systemctl'),
    'systemd-run': FAKE('systemd-run', 'echo "Running timer as unit: x.timer"\n'),
  };
  if (init === 'openrc') {
    fakes.openrc = FAKE('openrc');
    fakes['rc-update'] = FAKE(
      'rc-update',
      `[ "$1" = show ] && printf '  localmount | boot\\n${opts.localInRunlevel ? '       local | default\\n' : ''}'\n`,
    );
  }
  for (const [n, text] of Object.entries(fakes)) {
    writeFileSync(join(bin, n), text);
    chmodSync(join(bin, n), 0o755);
  }
  if (init === 'systemd') mkdirSync(join(root, 'run/systemd/system'), {recursive: true});
  // Alpine's OpenRC has a `local` service (runs /etc/local.d); Debian's has none.
  if (init === 'openrc') mkdirSync(join(root, 'etc/init.d'), {recursive: true});
  if (init === 'openrc' && !opts.noLocalService) writeFileSync(join(root, 'etc/init.d/local'), '#!/sbin/openrc-run\n');
  const file = join(root, 'etc/app.conf');
  mkdirSync(join(root, 'etc'), {recursive: true});
  writeFileSync(file, 'before\n');
  const jail = (text: string) =>
    text
      .replaceAll(STATE_DIR, `${root}/state`)
      .replaceAll('/run/systemd/system', `${root}/run/systemd/system`)
      .replaceAll('/run/openrc/', `${root}/run/openrc/`)
      .replaceAll(' /etc/', ` ${root}/etc/`)
      .replaceAll("'/etc/", `'${root}/etc/`)
      .replaceAll('/etc/local.d', `${root}/etc/local.d`)
      .replaceAll('/Library/', `${root}/Library/`)
      .replaceAll('PATH=/usr/local/sbin', `PATH=${bin}:/usr/local/sbin`);
  const d = `${root}/state/runs/R/s`;
  mkdirSync(`${d}/before`, {recursive: true});
  writeFileSync(`${d}/before/0`, 'before\n');
  writeFileSync(
    `${d}/rollback.sh`,
    jail(rollbackScript('R', 's', [file], [{kind: 'run', argv: ['echo', 'reloaded']}])),
  );
  writeFileSync(`${d}/arm.sh`, jail(armScript('R', 's')));
  writeFileSync(`${d}/state`, 'applying\n');
  const sh = (text: string) => {
    const r = spawnSync('sh', ['-c', jail(`${SEGMENT_PRELUDE}\n${text}`)], {encoding: 'utf8'});
    return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr};
  };
  const hook = bootHook('R', 's');
  const at = (p: string) => jail(` ${p}`).slice(1);
  return {
    root,
    file,
    d,
    sh,
    /** The arm as a segment runs it: arm script, state, journal line with the deadline. */
    arm: (seconds: number) =>
      sh(
        [...armLines('R', 's', seconds), 'echo armed > "$D/state"', armedJournalLine('R', 's', seconds)]
          .join(' && ')
          .replace('"$D/state"', `${d}/state`),
      ),
    commit: () => sh(commitLine('R', 's')),
    rollback: (by: string) => spawnSync('sh', [`${d}/rollback.sh`, by], {encoding: 'utf8'}),
    state: () => readFileSync(`${d}/state`, 'utf8').trim(),
    content: () => readFileSync(file, 'utf8'),
    journal: () =>
      existsSync(`${root}/state/journal.jsonl`)
        ? readFileSync(`${root}/state/journal.jsonl`, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l))
        : [],
    calls: () => (existsSync(join(root, 'calls')) ? readFileSync(join(root, 'calls'), 'utf8') : ''),
    hook: {
      unit: at(hook.systemdUnit),
      wants: at(hook.systemdWants),
      local: at(hook.openrcScript),
      service: at(`/etc/init.d/${hook.openrcService}`),
      plist: at(hook.launchdPlist),
    },
    change: () => writeFileSync(file, 'changed\n'),
  };
}

describe('arming', () => {
  it('systemd: an OnCalendar timer at the UTC deadline, a backstop sleeper, and the boot unit, journaled', () => {
    const h = host('systemd');
    const before = Math.floor(Date.now() / 1000);
    const r = h.arm(30);
    expect(r.code, r.stderr).toBe(0);
    const armed = h.journal().find((e) => e.kind === 'timer.armed');
    expect(armed.deadline).toBeGreaterThanOrEqual(before + 30);
    expect(armed.deadline).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 30);
    expect(readFileSync(`${h.d}/deadline`, 'utf8').trim()).toBe(String(armed.deadline));
    const utc = new Date(armed.deadline * 1000).toISOString().replace('T', ' ').slice(0, 19);
    expect(h.calls()).toContain(
      `systemd-run --quiet --unit=portcullis-rollback-R-s --on-calendar=${utc} UTC --timer-property=AccuracySec=100ms /bin/sh ${h.d}/rollback.sh timer`,
    );
    expect(h.calls()).toMatch(
      /systemd-run --quiet --collect --unit=portcullis-rollback-R-s-backstop \/bin\/sh -c sleep/,
    );
    const unit = readFileSync(h.hook.unit, 'utf8');
    expect(unit).toContain(`ExecStart=/bin/sh ${h.d}/rollback.sh boot`);
    expect(unit).toContain('DefaultDependencies=no');
    expect(unit).toContain('After=multi-user.target');
    expect(readFileSync(h.hook.wants, 'utf8')).toBe(unit);
    expect(existsSync(h.hook.local)).toBe(false);
  });

  it('the journal line streams the deadline the target fixed; the wizard maps it to its own clock', () => {
    const h = host('systemd');
    const r = h.arm(30);
    const line = r.stdout.split('\n').find((l) => l.includes('"timer.armed"')) as string;
    const d = serverDeadline(line, 1_000_000);
    const armed = h.journal().find((e) => e.kind === 'timer.armed');
    expect(d?.server).toBe(armed.deadline);
    // The window left as the target counts it, from when the line arrived: at most the window.
    expect(d?.local).toBeGreaterThanOrEqual(1_000_000 + 29_000);
    expect(d?.local).toBeLessThanOrEqual(1_000_000 + 30_000);
    expect(serverDeadline('@@PCJ {"kind":"step.done"}', 0)).toBeUndefined();
    expect(serverDeadline('hello', 0)).toBeUndefined();
  });

  it('OpenRC: a local.d script, and `local` added to the default runlevel (only when missing)', () => {
    const h = host('openrc');
    expect(h.arm(30).code).toBe(0);
    expect(readFileSync(h.hook.local, 'utf8')).toMatch(
      new RegExp(`^#!/bin/sh\n.*\nexec /bin/sh ${h.d}/rollback.sh boot\n$`),
    );
    expect(h.calls()).toContain('rc-update add local default');
    expect(existsSync(`${h.d}/boot.local-added`)).toBe(true);
    expect(existsSync(h.hook.unit)).toBe(false);
    const kept = host('openrc', {localInRunlevel: true});
    expect(kept.arm(30).code).toBe(0);
    expect(kept.calls()).not.toContain('rc-update add');
  });

  it("OpenRC without a `local` service (Debian's): a service of its own in the default runlevel, gone with the hook", () => {
    const h = host('openrc', {noLocalService: true});
    const armed = h.arm(30);
    expect(armed.code, armed.stderr).toBe(0);
    const name = bootHook('R', 's').openrcService;
    expect(readFileSync(h.hook.service, 'utf8')).toBe(
      [
        '#!/sbin/openrc-run',
        'description="portcullis: roll back step s of run R (armed and undecided at boot)"',
        'depend() { after *; }',
        `start() { /bin/sh ${h.d}/rollback.sh boot; }`,
        '',
      ].join('\n'),
    );
    expect(h.calls()).toContain(`rc-update add ${name} default`);
    expect(h.calls()).not.toContain('rc-update add local');
    expect(existsSync(h.hook.local)).toBe(false);
    expect(h.commit().code).toBe(0);
    expect(h.calls()).toContain(`rc-update del ${name} default`);
    expect(existsSync(h.hook.service)).toBe(false);
  });

  it("OpenRC's boot run of that service: rolled back at once, its own script kept until OpenRC marked it started", async () => {
    const h = host('openrc', {noLocalService: true});
    expect(h.arm(30).code).toBe(0);
    // Boot: nothing of the running system survived (no sleeper), only the service.
    spawnSync('kill', ['-KILL', '--', `-${readFileSync(`${h.d}/timer.pid`, 'utf8').trim()}`]);
    h.change();
    const name = bootHook('R', 's').openrcService;
    const rc = (state: string) => join(h.root, 'run/openrc', state, name);
    mkdirSync(join(h.root, 'run/openrc/starting'), {recursive: true});
    mkdirSync(join(h.root, 'run/openrc/started'), {recursive: true});
    symlinkSync(h.hook.service, rc('starting'));
    // As openrc-run runs start(): RC_SVCNAME set to the service's name.
    const r = spawnSync('sh', [`${h.d}/rollback.sh`, 'boot'], {
      encoding: 'utf8',
      env: {...process.env, RC_SVCNAME: name},
    });
    expect(r.status, r.stderr).toBe(0);
    expect(h.content()).toBe('before\n');
    expect(h.journal().at(-1)).toMatchObject({kind: 'step.rolled-back', by: 'boot'});
    expect(h.calls()).toContain(`rc-update del ${name} default`);
    // Removed now, OpenRC could not mark the service started (it resolves the name through its script): the
    // service would stay "starting" and the runlevel never look finished.
    await new Promise((res) => setTimeout(res, 1500));
    expect(existsSync(h.hook.service)).toBe(true);
    // openrc-run marks it started once start() returned: then the script and the record go.
    unlinkSync(rc('starting'));
    symlinkSync(h.hook.service, rc('started'));
    for (let i = 0; i < 50 && existsSync(h.hook.service); i++) await new Promise((res) => setTimeout(res, 100));
    expect(existsSync(h.hook.service)).toBe(false);
    expect(existsSync(rc('started'))).toBe(false);
  });

  it('without systemd: a detached sleeper that rolls back when the window ends', async () => {
    const h = host('openrc');
    expect(h.arm(1).code).toBe(0);
    h.change();
    const pid = Number(readFileSync(`${h.d}/timer.pid`, 'utf8'));
    expect(pid).toBeGreaterThan(1);
    // The state says rolled back just before the journal entry is written, and the boot path goes last.
    const finished = () =>
      h.journal().at(-1)?.kind === 'step.rolled-back' && h.calls().includes('rc-update del local default');
    for (let i = 0; i < 150 && !finished(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(h.state()).toBe('rolled-back');
    expect(h.content()).toBe('before\n');
    expect(h.journal().at(-1)).toMatchObject({kind: 'step.rolled-back', by: 'timer'});
    expect(existsSync(h.hook.local)).toBe(false);
    expect(h.calls()).toContain('rc-update del local default');
  });
});

describe('the claim decides once: deadline, boot path, commit', () => {
  it('a commit before the deadline wins: timer, backstop, sleeper and boot path are gone', () => {
    const h = host('openrc');
    expect(h.arm(30).code).toBe(0);
    h.change();
    const pid = Number(readFileSync(`${h.d}/timer.pid`, 'utf8'));
    const r = h.commit();
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(h.hook.local)).toBe(false);
    expect(existsSync(`${h.d}/timer.pid`)).toBe(false);
    expect(alive(pid)).toBe(false);
    // Two calls: the timer on its own first (what the fault matrix's commit gate waits on).
    expect(h.calls()).toContain('systemctl stop portcullis-rollback-R-s.timer\n');
    expect(h.calls()).toContain('systemctl stop portcullis-rollback-R-s-backstop.service\n');
    // Neither the timer nor a boot afterwards undoes it.
    h.rollback('timer');
    h.rollback('boot');
    expect(h.content()).toBe('changed\n');
  });

  it('a commit that reaches the target after the deadline rolls the step back and exits EXPIRED', () => {
    const h = host('systemd');
    expect(h.arm(30).code).toBe(0);
    h.change();
    // The timer has not fired (a reload storm, a slow boot): the deadline still holds.
    writeFileSync(`${h.d}/deadline`, `${Math.floor(Date.now() / 1000) - 1}\n`);
    const r = h.commit();
    expect(r.code).toBe(EXPIRED_EXIT);
    expect(r.stderr).toMatch(/deadline passed before the commit reached the server/);
    expect(h.content()).toBe('before\n');
    expect(h.state()).toBe('rolled-back');
    expect(h.journal().at(-1)).toMatchObject({kind: 'step.rolled-back', by: 'timer'});
    expect(existsSync(h.hook.unit) || existsSync(h.hook.wants)).toBe(false);
  });

  it('boot: an armed, undecided step is rolled back and its boot unit removed', () => {
    const h = host('systemd');
    expect(h.arm(30).code).toBe(0);
    h.change();
    // A reboot: the transient timer and the backstop are gone; the boot unit runs the script.
    const r = h.rollback('boot');
    expect(r.status, r.stderr).toBe(0);
    expect(h.content()).toBe('before\n');
    expect(h.journal().at(-1)).toMatchObject({kind: 'step.rolled-back', by: 'boot'});
    expect(existsSync(h.hook.unit) || existsSync(h.hook.wants)).toBe(false);
    // A commit that arrives later (the wizard reconnected) cannot keep it.
    expect(h.commit().code).toBe(EXPIRED_EXIT);
    expect(h.content()).toBe('before\n');
  });

  it('boot: a rollback the reboot cut short is finished; a committed step is left alone', () => {
    const h = host('systemd');
    expect(h.arm(30).code).toBe(0);
    h.change();
    writeFileSync(`${h.d}/state`, 'rolling-back\n');
    mkdirSync(`${h.d}/decided`);
    h.rollback('boot');
    expect(h.content()).toBe('before\n');
    expect(h.state()).toBe('rolled-back');

    const c = host('systemd');
    expect(c.arm(30).code).toBe(0);
    c.change();
    expect(c.commit().code).toBe(0);
    writeFileSync(`${c.d}/state`, 'committed\n');
    c.rollback('boot');
    expect(c.content()).toBe('changed\n');
    expect(c.journal().some((e) => e.kind === 'step.rolled-back')).toBe(false);
  });

  it('boot: a commit that took the claim before the reboot wins, even without `committed` written', () => {
    const h = host('openrc');
    expect(h.arm(30).code).toBe(0);
    h.change();
    mkdirSync(`${h.d}/decided`);
    h.rollback('boot');
    expect(h.content()).toBe('changed\n');
    expect(existsSync(h.hook.local)).toBe(false);
  });

  it('the timer leaves a step the boot path rolled back alone, and a stale sleeper pid is not killed', () => {
    const h = host('openrc');
    expect(h.arm(30).code).toBe(0);
    h.change();
    const sleeper = Number(readFileSync(`${h.d}/timer.pid`, 'utf8'));
    process.kill(-sleeper, 'SIGKILL');
    // After a reboot the pid may name another process: one that is not our sleeper survives.
    const other = spawnSync('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], {encoding: 'utf8'});
    const otherPid = Number(other.stdout.trim());
    writeFileSync(`${h.d}/timer.pid`, `${otherPid}\n`);
    h.rollback('boot');
    expect(alive(otherPid)).toBe(true);
    process.kill(otherPid, 'SIGKILL');
    h.change();
    h.rollback('timer');
    expect(h.content()).toBe('changed\n');
    expect(h.journal().filter((e) => e.kind === 'step.rolled-back')).toHaveLength(1);
  });
});
