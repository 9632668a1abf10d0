import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {e2eSkipReason} from '../sandbox/e2e-skip.js';
import {
  ADMIN_PASSWORD,
  ATTACKER_IP,
  LAPTOP_IP,
  ROOT_PASSWORD,
  type Sandbox,
  type StartOptions,
  start,
  type Variant,
} from '../sandbox/index.js';
import {canLogin, hashTree, passwordLogin, portcullis, spawnPortcullis, spawnUntilProving, waitFor} from './helpers.js';
import {writePlatformColumn} from './reliability-doc.js';

/**
 * Issue 17: the fresh-vps runbook on each platform variant of the sandbox (test/sandbox/variants), run
 * headless from the laptop and judged from outside with tools nobody here wrote: nmap from the attacker,
 * `sshd -T`, real password and root logins (sshpass, ssh), fail2ban banning the attacker and never the
 * operator, the admin through the tunnel on the new port, a second run that changes nothing. Then, on a
 * second box of the same variant, the two fault rows that matter most for a port move: the proof blocked
 * (the laptop drops the new port) and the wizard SIGKILLed inside the confirmation window; each must end
 * with every file byte-identical and the old way in working.
 *
 * One file per variant (test/e2e/platform-VARIANT.test.ts calls platformSuite), so that vitest runs them beside
 * the other e2e files, two at a time. Reproduce: npx vitest run --project e2e test/e2e/platform-VARIANT.test.ts
 * (root, Linux, systemd-nspawn; `npm run build` first). Variant images are built once and cached
 * (`npm run sandbox -- build --variant=V`).
 */

const BASE_VALUES = ['--set', 'admin_user=admin', '--set', 'ssh_port=2222', '--set', 'wg_subnet=10.66.0.0/24'];
const TUNNEL = 'admin@10.66.0.1:2222';
const SUDO = {env: {PORTCULLIS_SUDO_PASSWORD: ADMIN_PASSWORD}};
/** sshd's listening TCP ports, as the kernel has them (a socket-activated sshd's are systemd's). */
const LISTENERS = `ss -Htln | awk '{print $4}' | sed 's/.*://' | sort -un`;

export interface PlatformCase {
  /** A sandbox image variant, or `password-root`: the plain image booted with root's password as the one way in. */
  variant: Variant | 'password-root';
  standsFor: string;
  /** Boot options beyond the image variant. */
  boot?: Partial<StartOptions>;
  /** Recipe values beyond the common ones (admin_user, ssh_port, wg_subnet). */
  values?: string[];
  /**
   * What the operator does before the first run, checked (a test of its own on the main box; before the fault rows
   * on theirs); returns the table's cell. Default: nothing, root accepts the operator key as booted.
   */
  firstContact?: (vps: Sandbox) => Promise<string>;
  /** The firewall the run must have used (the one already active, or ufw on a Debian without one). */
  firewall: 'ufw' | 'nftables' | 'firewalld';
  /** Besides /etc/ssh: where the platform's mechanism keeps its files (fault rows compare them byte for byte). */
  dirs: string[];
  /** The mechanism's effective state, as its own tools print it (compared before and after a fault). */
  view: string;
  /** After the fresh-vps run: the variant's mechanism did its part, asked the tools themselves. */
  mechanism: (vps: Sandbox) => Promise<void>;
  /** What the mechanism check proves, for the table. */
  proves: string;
  /** Prints the firewall's own rules, where a fail2ban ban of the attacker must show up. */
  bans: string;
  /** A power cut inside the window too: the boot path alone must roll back (systemd's is the dead-man e2e's). */
  powerCut?: boolean;
  /** Run the firewall step's fault rows on a third box although the firewall is ufw (the fault matrix has ufw's on systemd). */
  firewallFaults?: boolean;
  /** Advice the fresh-vps run must give on this platform (its stderr). */
  advice?: RegExp[];
  /** Prints how many dead-man timers are armed (default: systemd's portcullis-*.timer units that are active). */
  armed?: string;
}

const SYSTEMD_ARMED =
  'systemctl list-units --all --plain --no-legend "portcullis-*.timer" | grep -c " active " || true';
/** No systemd: the detached sleepers (`rollback.sh timer` after the window) and the boot-path services. */
const OPENRC_ARMED =
  'echo $(( $(pgrep -cf "[r]ollback.sh timer") + $(ls /etc/init.d | grep -c "^portcullis-rollback-") + $(ls /etc/local.d 2>/dev/null | grep -c "^portcullis-rollback-") ))';
const UFW_VIEW = `ufw status verbose; ${LISTENERS}`;

export const CASES: Record<string, PlatformCase> = Object.fromEntries(
  (
    [
      {
        variant: 'ssh-socket',
        standsFor: 'Ubuntu 22.10+ / 24.04 (sshd socket-activated)',
        firewall: 'ufw',
        dirs: ['/etc/systemd/system', '/etc/ufw'],
        view: `systemctl show ssh.socket -p Listen; systemctl is-enabled ssh.socket ssh.service; ${LISTENERS}`,
        mechanism: async (vps) => {
          // The socket, not sshd_config, decides where sshd answers: it moved, and is still what starts sshd.
          expect(await vps.execOk('systemctl show ssh.socket -p Listen')).toBe('Listen=[::]:2222 (Stream)');
          expect((await vps.exec('systemctl is-enabled ssh.socket ssh.service')).stdout).toBe('enabled\ndisabled');
          expect(await vps.execOk('systemctl is-active ssh.socket')).toBe('active');
          expect((await vps.execOk(LISTENERS)).split('\n')).not.toContain('22');
        },
        bans: 'ufw status',
        proves: 'ssh.socket listens on 2222 only (socket drop-in), ssh.service still disabled, nothing on 22',
      },
      {
        variant: 'nftables',
        standsFor: 'Arch (nftables, no ufw)',
        firewall: 'nftables',
        dirs: ['/etc/nftables.conf', '/etc/portcullis', '/etc/systemd/system'],
        view: `nft list ruleset; ${LISTENERS}`,
        mechanism: async (vps) => {
          expect((await vps.exec('command -v ufw')).code).not.toBe(0);
          // Our table beside the host's own ruleset, which is left as it was.
          expect(await vps.execOk('nft list tables')).toMatch(/^table inet filter$/m);
          expect(await vps.execOk('nft list table inet portcullis')).toMatch(/policy drop/);
          expect(await vps.execOk('systemctl is-enabled nftables.service')).toBe('enabled');
          // fail2ban bans with nftables itself.
          expect(await vps.execOk('fail2ban-client -d')).toMatch(/nftables/);
        },
        bans: 'nft list ruleset',
        proves: '`inet portcullis` (policy drop) beside the stock `inet filter`; no ufw; fail2ban bans with nftables',
      },
      {
        variant: 'firewalld',
        standsFor: 'RHEL 9 / Fedora (firewalld, nftables backend)',
        firewall: 'firewalld',
        dirs: ['/etc/firewalld'],
        view: `firewall-cmd --list-all; firewall-cmd --permanent --list-all; ${LISTENERS}`,
        mechanism: async (vps) => {
          expect(await vps.execOk('firewall-cmd --state')).toBe('running');
          // Runtime first, permanent after the proof: both say the same once the run is over.
          const runtime = await vps.execOk('firewall-cmd --list-all');
          expect(await vps.execOk('firewall-cmd --permanent --list-all')).toBe(runtime);
          expect(runtime).not.toMatch(/services:.*\bssh\b/);
          expect((await vps.exec('command -v ufw')).code).not.toBe(0);
          expect(await vps.execOk('fail2ban-client -d')).toMatch(/firewallcmd/);
        },
        bans: 'firewall-cmd --list-all; nft list ruleset',
        proves:
          'firewalld running; runtime = permanent after the run; `ssh` service gone; fail2ban bans with firewall-cmd',
      },
      {
        variant: 'trixie',
        standsFor: 'Debian 13 (OpenSSH 10, fail2ban 1.1)',
        firewall: 'ufw',
        dirs: ['/etc/ufw'],
        view: UFW_VIEW,
        mechanism: async (vps) => {
          // OpenSSH 10: authentication is logged by sshd-session, which the journal jail must match; PerSourcePenalties
          // is on by default, with the tunnel network and the operator's address exempt so that our own probes never get it penalised.
          expect(await vps.execOk('sshd -V 2>&1 || true')).toMatch(/^OpenSSH_10\./m);
          expect((await vps.exec('test -x /usr/lib/openssh/sshd-session')).code).toBe(0);
          const t = (await vps.execOk('sshd -T')).split('\n');
          expect(t.find((l) => l.startsWith('persourcepenalties '))).toMatch(
            /^persourcepenalties crash:\d+ authfail:5 /,
          );
          expect(t.find((l) => l.startsWith('persourcepenaltyexemptlist '))).toBe(
            `persourcepenaltyexemptlist 10.66.0.0/24,${LAPTOP_IP}/32`,
          );
          expect(await vps.execOk('fail2ban-client -V')).toMatch(/^1\.1\./m);
          expect(await vps.execOk('fail2ban-client get sshd journalmatch')).toMatch(/_COMM=sshd-session/);
        },
        bans: 'ufw status',
        proves:
          'OpenSSH 10 (`sshd-session`), PerSourcePenalties on with the tunnel and the operator exempt; fail2ban 1.1 reads sshd-session from the journal',
      },
      {
        variant: 'openrc',
        standsFor: 'Alpine / any host without systemd (sysvinit + OpenRC)',
        firewall: 'ufw',
        dirs: ['/etc/ufw', '/etc/init.d', '/etc/runlevels'],
        view: `rc-update show -v; ${UFW_VIEW}`,
        armed: OPENRC_ARMED,
        // No cron on the image: unattended-upgrades would never run (apt's daily job is cron's without systemd).
        advice: [/cron is not installed: without systemd, unattended-upgrades runs only from cron/],
        // The detached sleeper again, under the firewall step (ufw enabled under OpenRC).
        firewallFaults: true,
        // The boot path under OpenRC (a service of our own in the default runlevel): nothing else survives a power cut.
        powerCut: true,
        mechanism: async (vps) => {
          // No systemd anywhere: PID 1 is sysvinit's init, OpenRC runs the services, in its default runlevel.
          expect((await vps.exec('test -d /run/systemd/system')).code).not.toBe(0);
          expect(await vps.execOk('cat /proc/1/comm')).toBe('init');
          const boot = await vps.execOk('rc-update show default');
          for (const svc of ['ssh', 'fail2ban', 'wg-quick.wg0'])
            expect(boot).toMatch(new RegExp(`^\\s*${svc} \\|`, 'm'));
          expect((await vps.exec('rc-service wg-quick.wg0 status')).code).toBe(0);
          expect(await vps.execOk('rc-update show sysinit')).toMatch(/^\s*ufw \|/m);
          // The file-log jail: sshd logs through syslog into auth.log, which is what fail2ban reads.
          expect(await vps.execOk('fail2ban-client get sshd logpath')).toMatch(/\/var\/log\/auth\.log/);
          expect(await vps.execOk(OPENRC_ARMED)).toBe('0');
        },
        bans: 'ufw status',
        proves:
          'PID 1 sysvinit, no systemd; ssh, fail2ban and `wg-quick.wg0` (our OpenRC script) in the default runlevel, ufw in sysinit; fail2ban reads /var/log/auth.log; no sleeper left',
      },
      {
        variant: 'password-root',
        standsFor: "a provider's fresh VPS: root with a password only, no key, no other account",
        firewall: 'ufw',
        dirs: ['/etc/ufw', '/etc/sudoers.d'],
        view: UFW_VIEW,
        boot: {noAdmin: true, rootKey: false},
        // The README's quick start: admin created by the run, sudo without a password (the key is the way in).
        values: ['--set', 'admin_sudo=nopasswd'],
        firstContact: async (vps) => {
          const accounts = ['/etc/ssh', '/etc/passwd', '/etc/shadow', '/etc/group', '/etc/sudoers.d', '/root'];
          const before = await hashTree(vps, ...accounts);
          const t0 = Date.now();
          const r = await portcullis(vps, [
            'apply',
            'root@192.0.2.10',
            '--recipe',
            'fresh-vps',
            ...BASE_VALUES,
            '--yes',
          ]);
          expect(r.code, r.stderr).toBe(1);
          expect(r.stderr.trim().split('\n')[0]).toMatch(
            /^portcullis: root@192\.0\.2\.10:22 refused the login \(.*Permission denied \(publickey,password\)\.\); if it has only a password so far, put your key on it first: ssh-copy-id root@192\.0\.2\.10 \(asks for the password once\), then run again$/,
          );
          const refusedMs = Date.now() - t0;
          expect(await hashTree(vps, ...accounts)).toBe(before);
          expect((await vps.exec('test -e /var/lib/portcullis')).code).not.toBe(0);
          // What the message says, as the operator would: the password typed once (sshpass types it here).
          const k = await vps.laptop.runArgv(
            [
              'sshpass',
              '-e',
              'ssh-copy-id',
              '-F',
              vps.sshConfigPath,
              '-o',
              'BatchMode=no',
              '-i',
              `${vps.laptop.keys.pubKeyPath}`,
              'root@192.0.2.10',
            ],
            {timeout: 60_000, env: {SSHPASS: ROOT_PASSWORD}},
          );
          expect(k.code, k.stderr).toBe(0);
          expect(await canLogin(vps, 'root', 22)).toBe(true);
          return `key refused, password only: exit 1 in ${secs(refusedMs)}, one line naming \`ssh-copy-id root@192.0.2.10\`, nothing changed; then ssh-copy-id (the password typed once, by sshpass)`;
        },
        mechanism: async (vps) => {
          // The admin the run created: in sudo, sudo without a password, the operator key, no password of its own.
          expect(await vps.execOk('id -nG admin')).toMatch(/\bsudo\b/);
          expect(await vps.execOk('sudo -l -U admin')).toMatch(/NOPASSWD: ALL/);
          const laptopKey = (await vps.laptop.run('cat "$HOME/.ssh/id_ed25519.pub"')).stdout.trim();
          expect(await vps.execOk('cat /home/admin/.ssh/authorized_keys')).toContain(laptopKey);
          expect(await vps.execOk('passwd -S admin')).toMatch(/^admin (L|NP) /);
        },
        bans: 'ufw status',
        proves:
          'admin created by the run (sudo group, NOPASSWD, the operator key, no password); root and passwords refused after',
      },
    ] as PlatformCase[]
  ).map((c) => [c.variant, c]),
);

/** The rows of the table in docs/reliability.md, one column per variant; a cell is written as its test passes. */
const ROWS = [
  'first contact',
  'fresh-vps, headless from the laptop',
  "the variant's mechanism",
  'nmap -p- from the attacker (IPv4, IPv6)',
  '`sshd -T`',
  'logins: admin through the tunnel; passwords, root',
  'second run through the tunnel',
  'fail2ban (public SSH reopened)',
  'fault: proof blocked (laptop drops 2222)',
  'fault: SIGKILL inside the window',
  'fault: SIGKILL, then a power cut inside the window',
  'firewall step, proof blocked (laptop drops new connections to 2222)',
  'firewall step, SIGKILL inside the window',
] as const;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The packages a run installs ahead (in the background on the server) are still installing after a short `--until`
 * run: the fault rows' "before" is taken once they are done (on OpenRC each install rewrites /etc/init.d/.depend.*).
 */
const aheadDone = (vps: Sandbox) =>
  waitFor(
    'the packages installed ahead to finish',
    async () => (await vps.exec('pgrep -f "[a]head/job.sh"')).code !== 0,
    300_000,
    500,
  );

type Step = {id: string; status: string};
const statusOf = (out: {steps: Step[]}, id: string) => out.steps.find((s) => s.id === id)?.status;
const openPorts = (grepable: string) => [...grepable.matchAll(/(\d+)\/open\/tcp/g)].map((m) => m[1] ?? '');

/**
 * Failed key logins (a key sshd does not know) from one host to the public 2222, as a bot would: one
 * failure each in sshd's log. Stops early once `until` says so.
 */
async function failedLogins(
  vps: Sandbox,
  from: 'attacker' | 'laptop',
  times: number,
  until: () => Promise<boolean> = async () => false,
): Promise<void> {
  const host = from === 'attacker' ? vps.attacker : vps.laptop;
  await host.run('rm -f "$HOME/stranger" "$HOME/stranger.pub"; ssh-keygen -q -t ed25519 -N "" -f "$HOME/stranger"');
  for (let i = 0; i < times && !(await until()); i++) {
    await host.run(
      `ssh -F /dev/null -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=3 -i "$HOME/stranger" -o IdentitiesOnly=yes -o BatchMode=yes admin@${vps.ip} true`,
      {timeout: 20_000},
    );
  }
}

/**
 * Registers the describe blocks of one variant (a file of its own: vitest runs it beside other files); its column of
 * docs/reliability.md is written once every row passed.
 */
export function platformSuite(variant: PlatformCase['variant']): void {
  const c = CASES[variant];
  if (!c) throw new Error(`no platform case for the variant ${variant}`);
  const cells = new Map<string, string>();
  const cell = (_c: PlatformCase, row: (typeof ROWS)[number], text: string) => cells.set(row, text);
  const VALUES = [...BASE_VALUES, ...(c.values ?? [])];
  const RECIPE = ['--recipe', 'fresh-vps', ...VALUES, '--yes'];
  const boot = () => start({...(c.variant === 'password-root' ? {} : {variant: c.variant}), ...c.boot, log: () => {}});
  if (!c.firstContact) cell(c, 'first contact', 'root with the operator key, as booted');
  if (!c.powerCut)
    cell(c, 'fault: SIGKILL, then a power cut inside the window', 'systemd: the dead-man e2e rows (plain image)');
  const noTimer = async (vps: Sandbox) => (await vps.execOk(c.armed ?? SYSTEMD_ARMED)).trim().startsWith('0');
  afterAll(() => {
    const column = ROWS.map((r) => cells.get(r) ?? 'not run');
    console.log(`\nplatform variant ${c.variant}:\n${ROWS.map((r, i) => `  ${r}: ${column[i]}`).join('\n')}\n`);
    if (ROWS.every((r) => cells.has(r))) writePlatformColumn(c.variant, `${c.variant} (${c.standsFor})`, ROWS, column);
  });
  describe.skipIf(e2eSkipReason())(`${c.variant} variant (${c.standsFor}): fresh-vps judged from outside`, () => {
    let vps: Sandbox;
    // A whole-suite image (trixie) may still be building beside the tests on a fresh machine (global-setup.ts).
    beforeAll(async () => {
      vps = await boot();
    }, 1_200_000);
    afterAll(async () => {
      await vps?.stop();
    });

    const first = c.firstContact;
    if (first)
      it('first contact: what the operator does before the first run', async () => {
        cell(c, 'first contact', await first(vps));
      });

    it('the headless fresh-vps run from the laptop exits 0, through every step', async () => {
      const t0 = Date.now();
      const r = await portcullis(vps, ['apply', 'root@192.0.2.10', ...RECIPE, '--connect-tunnel', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.steps.map((s: Step) => [s.id, s.status])).toEqual(
        [
          'preflight',
          'admin-user',
          'ssh-hardening',
          'firewall',
          'fail2ban',
          'sysctl',
          'updates',
          'wireguard',
          'watch',
          'verify-tunnel',
          'close-ports',
        ].map((id) => [id, id === 'preflight' ? statusOf(out, 'preflight') : id === 'watch' ? 'compliant' : 'applied']),
      );
      expect(r.stderr).toMatch(new RegExp(`through the ${c.firewall} firewall`));
      for (const advice of c.advice ?? []) expect(r.stderr).toMatch(advice);
      if (c.variant === 'openrc') expect(r.stderr).not.toMatch(/apt-daily-upgrade/);
      expect(r.stderr).toMatch(/proven: admin logs in through the tunnel with public SSH closed/);
      cell(
        c,
        'fresh-vps, headless from the laptop',
        `exit 0 in ${secs(Date.now() - t0)}, ${out.steps.length} steps, firewall: ${c.firewall}`,
      );
    });

    it("the variant's own mechanism did its part, as its tools report it", async () => {
      await c.mechanism(vps);
      cell(c, "the variant's mechanism", c.proves);
    });

    it('the admin logs in through the tunnel on 2222; passwords and root are refused there, and nothing answers publicly', async () => {
      const tunnel = (user: string) =>
        vps.laptop.sshWith(
          {timeout: 60_000},
          '-p',
          '2222',
          '-o',
          'HostKeyAlias=192.0.2.10',
          '-o',
          'ConnectTimeout=15',
          `${user}@10.66.0.1`,
          'id -un',
        );
      const admin = await tunnel('admin');
      expect(admin.code, admin.stderr).toBe(0);
      expect(admin.stdout.trim()).toBe('admin');
      for (const [user, password] of [
        ['admin', ADMIN_PASSWORD],
        ['root', ROOT_PASSWORD],
      ] as const) {
        const r = await passwordLogin(vps, user, password, 2222, '10.66.0.1');
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/Permission denied/);
      }
      const root = await tunnel('root');
      expect(root.code).not.toBe(0);
      expect(root.stderr).toMatch(/Permission denied/);
      expect(await canLogin(vps, 'admin', 2222)).toBe(false);
      expect(await canLogin(vps, 'root', 22)).toBe(false);
      cell(
        c,
        'logins: admin through the tunnel; passwords, root',
        'admin in; passwords and root refused (sshpass, ssh)',
      );
    });

    it('from the attacker, a full TCP scan finds nothing open, over IPv4 and IPv6', async () => {
      // Both families at once: a default-deny firewall makes each scan wait out its retries (about 40 s).
      const scans = await Promise.all(
        (
          [
            [[], vps.ip],
            [['-6'], vps.ip6],
          ] as const
        ).map(async ([family, host]) => {
          const scan = await vps.attacker.runArgv(
            ['nmap', ...family, '-Pn', '-p-', '-T5', '--min-rate', '5000', '--max-retries', '2', '-oG', '-', host],
            {timeout: 240_000},
          );
          return {host, scan};
        }),
      );
      for (const {host, scan} of scans) {
        expect(scan.code, scan.stderr).toBe(0);
        expect(scan.stdout).toMatch(/Host:/);
        expect(openPorts(scan.stdout), `${host}: ${scan.stdout}`).toEqual([]);
      }
      cell(c, 'nmap -p- from the attacker (IPv4, IPv6)', 'no open TCP port');
    });

    it('sshd -T shows the hardened settings', async () => {
      const t = await vps.execOk('sshd -T');
      for (const line of [
        'port 2222',
        'permitrootlogin no',
        'passwordauthentication no',
        'kbdinteractiveauthentication no',
        'pubkeyauthentication yes',
        'x11forwarding no',
        'maxauthtries 3',
        'allowtcpforwarding no',
        'allowagentforwarding no',
        'allowusers admin',
      ])
        expect(t.split('\n'), line).toContain(line);
      expect(t).not.toMatch(/^port 22$/m);
      cell(c, '`sshd -T`', 'port 2222 only, no root, no passwords, MaxAuthTries 3, AllowUsers admin');
    });

    it('a second run of the whole recipe, through the tunnel as the admin, changes nothing', async () => {
      const r = await portcullis(vps, ['apply', TUNNEL, ...RECIPE, '--connect-tunnel', '--json'], SUDO);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.changed, r.stderr).toBe(0);
      cell(c, 'second run through the tunnel', 'changed: 0');
    });

    it('with public SSH reopened (rollback of close-ports), the attacker is banned for failed logins and the operator never is', async () => {
      const r = await portcullis(vps, ['rollback', TUNNEL, '--to', 'wireguard', '--json'], SUDO);
      expect(r.code, r.stderr).toBe(0);
      expect(await canLogin(vps, 'admin', 2222)).toBe(true);
      const banned = async () =>
        /Banned IP list:(.*)$/m.exec((await vps.exec('fail2ban-client status sshd')).stdout)?.[1] ?? '';
      const jail = await vps.execOk('cat /etc/fail2ban/jail.d/zz-portcullis.local');
      const maxretry = Number(/\[sshd\][^[]*^maxretry = (\d+)$/m.exec(jail)?.[1]);
      expect(maxretry).toBeGreaterThan(0);
      // The operator fails more often than maxretry allows, and still gets in.
      await failedLogins(vps, 'laptop', maxretry + 3);
      await failedLogins(vps, 'attacker', maxretry + 3, async () => (await banned()).includes(ATTACKER_IP));
      await waitFor('fail2ban to ban the attacker', async () => (await banned()).includes(ATTACKER_IP), 20_000);
      expect(await banned()).not.toContain(LAPTOP_IP);
      expect(await vps.execOk(c.bans)).toContain(ATTACKER_IP);
      const reach = await vps.attacker.runArgv(['nc', '-z', '-w', '3', vps.ip, '2222']);
      expect(reach.code, 'the banned attacker still reaches 2222').not.toBe(0);
      expect(await canLogin(vps, 'admin', 2222)).toBe(true);
      cell(
        c,
        'fail2ban (public SSH reopened)',
        `attacker banned (shown by \`${c.bans.split(';')[0]}\`); operator, maxretry + 3 failures, not banned`,
      );
    });
  });

  describe.skipIf(e2eSkipReason())(`${c.variant} variant: faults while ssh-hardening moves the port`, () => {
    let vps: Sandbox;
    let pristine = '';
    const window = 20;
    const snapshot = async () => `${await hashTree(vps, '/etc/ssh', ...c.dirs)}\n${await vps.execOk(c.view)}`;
    const drop = 'iptables -I OUTPUT -p tcp --dport 2222 -j DROP';
    const apply = ['apply', 'root@192.0.2.10', '--yes', '--until', 'ssh-hardening', ...VALUES];

    beforeAll(async () => {
      vps = await boot();
      await c.firstContact?.(vps);
      const r = await portcullis(vps, ['apply', 'root@192.0.2.10', '--yes', '--until', 'admin-user', ...VALUES]);
      if (r.code !== 0) throw new Error(`admin-user failed: ${r.stderr}`);
      await aheadDone(vps);
      pristine = await snapshot();
    });
    afterAll(async () => {
      await vps?.stop();
    });

    it('proof blocked (the laptop drops the new port 2222): rolled back at once, every file byte-identical, root on 22 works', async () => {
      await vps.laptop.run(drop);
      const t0 = Date.now();
      try {
        const r = await portcullis(vps, [...apply, '--confirm-timeout', String(window), '--json']);
        expect(r.code, r.stderr).toBe(1);
        expect(JSON.parse(r.stdout).error).toMatch(/everything this step changed has been restored/);
      } finally {
        await vps.laptop.run(drop.replace('-I', '-D'));
      }
      expect(await snapshot()).toBe(pristine);
      expect(await canLogin(vps, 'root', 22)).toBe(true);
      expect(await noTimer(vps)).toBe(true);
      cell(
        c,
        'fault: proof blocked (laptop drops 2222)',
        `exit 1, rolled back by the failure path; files and state byte-identical; root on 22 (${secs(Date.now() - t0)} from start)`,
      );
    });

    it('SIGKILL inside the window: the dead-man timer restores every file byte-identical, root on 22 works', async () => {
      let restoredAfter = 0;
      await vps.laptop.run(drop);
      try {
        const child = await spawnUntilProving(
          vps,
          [...apply, '--confirm-timeout', String(window)],
          'the proof on 2222 to start',
          /proving admin logs in .*port 2222/,
        );
        const killedAt = Date.now();
        child.kill('SIGKILL');
        await child.result;
        // Inside the window the move really is in effect.
        expect(await snapshot()).not.toBe(pristine);
        await waitFor(
          'the timer to restore every file',
          async () => (await snapshot().catch(() => '')) === pristine,
          (window + 15) * 1000,
          250,
        );
        restoredAfter = Date.now() - killedAt;
        expect(restoredAfter / 1000).toBeLessThan(window + 10);
        await waitFor(
          'the timer to journal the rollback',
          async () =>
            /"kind":"step.rolled-back".*"step":"ssh-hardening".*"by":"timer"/.test(
              await vps.execOk('tail -n 1 /var/lib/portcullis/journal.jsonl'),
            ),
          10_000,
        );
      } finally {
        await vps.laptop.run(drop.replace('-I', '-D'));
      }
      await waitFor('root to get back in on 22', () => canLogin(vps, 'root', 22), 10_000);
      expect(await noTimer(vps)).toBe(true);
      cell(
        c,
        'fault: SIGKILL inside the window',
        `rolled back by the dead-man timer ${secs(restoredAfter)} after the kill (window ${window} s); files and state byte-identical; root on 22`,
      );
    });

    if (c.powerCut)
      it('SIGKILL, then a power cut inside the window: the boot path rolls back at boot, long before the window ends', async () => {
        const long = 120;
        let restoredAfter = 0;
        await vps.laptop.run(drop);
        try {
          const child = await spawnUntilProving(
            vps,
            [...apply, '--confirm-timeout', String(long)],
            'the proof on 2222 to start',
            /proving admin logs in .*port 2222/,
          );
          child.kill('SIGKILL');
          await child.result;
          expect(await snapshot()).not.toBe(pristine);
          // Armed, as the next run sees it (no systemd timer to list: the detached sleeper): status names it, and a run
          // (its lock broken: the killed one's process is gone) is refused at preflight, changing nothing.
          // Root's login is already off inside the window: the admin (key, sudo) on 22, as the operator would.
          const status = await portcullis(vps, ['status', 'admin@192.0.2.10', '--json'], SUDO);
          expect(status.code, status.stderr).toBe(0);
          const sleeper = /^portcullis-rollback-[0-9a-z-]+-ssh-hardening\.sleeper$/;
          expect(JSON.parse(status.stdout).armedTimers).toEqual([expect.stringMatching(sleeper)]);
          const armed = await snapshot();
          const again = await portcullis(
            vps,
            ['apply', 'admin@192.0.2.10', '--yes', '--until', 'ssh-hardening', ...VALUES, '--break-lock', '--json'],
            SUDO,
          );
          expect(again.code, again.stderr).not.toBe(0);
          expect(JSON.parse(again.stdout).error ?? again.stderr).toMatch(
            /a dead-man rollback from an interrupted run is still armed \(portcullis-rollback-[0-9a-z-]+-ssh-hardening\.sleeper\)/,
          );
          expect(await snapshot()).toBe(armed);
          // Nothing of the running system survives (the sleeper neither): only the boot path can roll back now.
          // powerCycle resolves only once the boot finished: OpenRC's runner gone, no service left starting.
          const down = await vps.powerCycle();
          await waitFor(
            'the boot path to restore every file',
            async () => (await snapshot().catch(() => '')) === pristine,
            60_000,
            250,
          );
          restoredAfter = Date.now() - down;
          expect(restoredAfter / 1000).toBeLessThan(long / 2);
          expect(await vps.execOk('tail -n 1 /var/lib/portcullis/journal.jsonl')).toMatch(
            /"kind":"step.rolled-back".*"step":"ssh-hardening".*"by":"boot"/,
          );
        } finally {
          await vps.laptop.run(drop.replace('-I', '-D'));
        }
        await waitFor('root to get back in on 22', () => canLogin(vps, 'root', 22), 10_000);
        expect(await noTimer(vps)).toBe(true);
        // The boot-path service left no record in OpenRC's state (it removed its own script once marked started).
        expect(await vps.execOk('rc-status --crashed; ls /run/openrc/*/ | grep -c portcullis || true')).toBe('0');
        cell(
          c,
          'fault: SIGKILL, then a power cut inside the window',
          `rolled back at boot by the boot-path service ${secs(restoredAfter)} after the power cut (window ${long} s); files and state byte-identical; root on 22`,
        );
      });
  });
  // The firewall step's own rows where the variant's firewall is not ufw (ufw's are the fault matrix's).
  if (c.firewall === 'ufw' && !c.firewallFaults) {
    for (const row of [
      'firewall step, proof blocked (laptop drops new connections to 2222)',
      'firewall step, SIGKILL inside the window',
    ] as const)
      cell(c, row, 'ufw: the fault matrix rows (plain image)');
    return;
  }
  describe.skipIf(e2eSkipReason())(`${c.variant} variant: faults while the firewall step loads ${c.firewall}`, () => {
    let vps: Sandbox;
    let pristine = '';
    const window = 20;
    const snapshot = async () => `${await hashTree(vps, '/etc/ssh', ...c.dirs)}\n${await vps.execOk(c.view)}`;
    // Once the run is connected: its own connection lives on, every new one to 2222 (the proof) is dropped.
    const drop = 'iptables -I OUTPUT -p tcp --dport 2222 --syn -j DROP';
    const apply = [
      'apply',
      'admin@192.0.2.10:2222',
      '--yes',
      '--until',
      'firewall',
      ...VALUES,
      '--confirm-timeout',
      String(window),
    ];
    const run = (extra: string[] = []) => {
      const child = spawnPortcullis(vps, [...apply, ...extra], SUDO);
      let stderr = '';
      child.process.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
      });
      return {child, stderr: () => stderr};
    };

    beforeAll(async () => {
      vps = await boot();
      await c.firstContact?.(vps);
      const r = await portcullis(vps, ['apply', 'root@192.0.2.10', '--yes', '--until', 'ssh-hardening', ...VALUES]);
      if (r.code !== 0) throw new Error(`ssh-hardening failed: ${r.stderr}`);
      await aheadDone(vps);
      // ufw's own rows: a rollback keeps the packages the step installed (by design, as in the fault matrix), so
      // the box starts with ufw installed but off (as Ubuntu ships it) and the rows compare like with like.
      if (c.firewall === 'ufw')
        await vps.execOk(
          'env DEBIAN_FRONTEND=noninteractive apt-get install -y -q ufw && ufw status | grep -qx "Status: inactive"',
        );
      pristine = await snapshot();
    });
    afterAll(async () => {
      await vps?.stop();
    });

    it('proof blocked (new connections to 2222 dropped on the laptop): rolled back at once, every file byte-identical, the admin on 2222 works', async () => {
      const t0 = Date.now();
      const {child, stderr} = run(['--json']);
      let blocked = false;
      try {
        await waitFor('the run to connect', async () => /^found /m.test(stderr()), 90_000, 20);
        await vps.laptop.run(drop);
        blocked = true;
        const r = await child.result;
        expect(r.code, stderr()).toBe(1);
        expect(JSON.parse(r.stdout).error).toMatch(/everything this step changed has been restored/);
      } finally {
        if (blocked) await vps.laptop.run(drop.replace('-I', '-D'));
      }
      expect(await snapshot()).toBe(pristine);
      expect(await canLogin(vps, 'admin', 2222)).toBe(true);
      expect(await noTimer(vps)).toBe(true);
      cell(
        c,
        'firewall step, proof blocked (laptop drops new connections to 2222)',
        `exit 1, rolled back by the failure path; files and state byte-identical; admin on 2222 (${secs(Date.now() - t0)} from start)`,
      );
    });

    it('SIGKILL inside the window: the dead-man timer restores every file byte-identical, the admin on 2222 works', async () => {
      let restoredAfter = 0;
      const {child, stderr} = run();
      let blocked = false;
      try {
        await waitFor('the run to connect', async () => /^found /m.test(stderr()), 90_000, 20);
        await vps.laptop.run(drop);
        blocked = true;
        await waitFor(
          'the proof through the firewall to start',
          async () =>
            new RegExp(`proving admin logs in on port 2222 through the ${c.firewall} firewall`).test(stderr()),
          90_000,
          20,
        );
        const killedAt = Date.now();
        child.kill('SIGKILL');
        await child.result;
        expect(await snapshot(), 'inside the window the firewall change is in effect').not.toBe(pristine);
        await waitFor(
          'the timer to restore every file',
          async () => (await snapshot().catch(() => '')) === pristine,
          (window + 15) * 1000,
          250,
        );
        restoredAfter = Date.now() - killedAt;
        expect(restoredAfter / 1000).toBeLessThan(window + 10);
      } finally {
        if (blocked) await vps.laptop.run(drop.replace('-I', '-D'));
      }
      await waitFor('the admin to get back in on 2222', () => canLogin(vps, 'admin', 2222), 10_000);
      await waitFor('the timer to disarm', () => noTimer(vps), 10_000);
      cell(
        c,
        'firewall step, SIGKILL inside the window',
        `rolled back by the dead-man timer ${secs(restoredAfter)} after the kill (window ${window} s); files and state byte-identical; admin on 2222`,
      );
    });
  });
}
