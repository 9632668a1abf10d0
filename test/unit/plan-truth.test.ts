import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {wireguardPorts} from '../../src/cli/commands/status.js';
import {main} from '../../src/cli/main.js';
import type {PlannedStep} from '../../src/core/types.js';
import {compileAction} from '../../src/engine/compile.js';
import {planRunbook} from '../../src/engine/runbook.js';
import {exposures} from '../../src/platform/exposure.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {renderPlanSh} from '../../src/present/plan-sh.js';
import {loadRecipe} from '../../src/recipes/load.js';
import {stepsFor} from '../../steps/index.js';
import {runValues} from '../helpers/run-values.js';

const FRESH = loadRecipe('fresh-vps').steps;
const values = {admin_user: 'admin', admin_sudo: 'nopasswd', ssh_port: 2222, wg_subnet: '10.66.0.0/24'};

/** Runs the CLI in-process; what it printed on stdout and stderr, and its exit code. */
async function cli(argv: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    const code = await main(argv);
    return {code, stdout, stderr};
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

const commands = (s: PlannedStep | undefined) =>
  (s?.plan.actions ?? []).flatMap((a) => compileAction(a, {runId: 'R', stepId: s?.id ?? '', style: 'review'}));

afterEach(() => {
  process.exitCode = undefined;
});

describe('plans tell the truth', () => {
  it('a refused step is "refused" in plan --json, and plan exits 1', async () => {
    // team-onboarding without a team file: the team step refuses.
    const r = await cli(['plan', '--platform', 'debian-12', '--recipe', 'team-onboarding', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.steps.find((s: {id: string}) => s.id === 'team').status).toBe('refused');
    expect(doc.refused).toEqual(['team']);
    expect(r.stderr).toMatch(/^portcullis: plan: refused: Team accounts \(team_file is not set/m);
  });

  it('the text plan says refused, and exits 1', async () => {
    const r = await cli(['plan', '--platform', 'debian-12', '--recipe', 'team-onboarding']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Team accounts \[team\] refused: nothing of it would run/);
  });

  it('a plan with nothing refused exits 0 (the README quick start)', async () => {
    const r = await cli([
      'plan',
      '--platform',
      'debian-12',
      '--recipe',
      'fresh-vps',
      '--set',
      'admin_user=admin',
      '--set',
      'admin_sudo=nopasswd',
      '--set',
      'ssh_port=2222',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('plan --format sh stops at a refused step: close-ports is not exported after verify-tunnel refused', async () => {
    const steps = await planRunbook(undefined, profileFacts('debian-12'), stepsFor(FRESH), runValues(values));
    const verify = steps.find((s) => s.id === 'verify-tunnel') as PlannedStep;
    verify.plan.findings.push({level: 'error', message: 'no tunnel'});
    const sh = renderPlanSh(steps, 'test');
    expect(sh).toContain('# --- Verify the tunnel (verify-tunnel) is REFUSED: no tunnel');
    expect(sh).toMatch(
      /REFUSED[^\n]*\n# Apply stops here; this step and the 1 after it are not exported\.\n.*\nexit 1\n/,
    );
    expect(sh).not.toContain('(close-ports)');
    expect(sh).not.toMatch(/ufw delete allow 2222\/tcp/);
    // What comes before it is exported as before.
    expect(sh).toContain('# --- Host firewall (firewall)');
  });

  it('a refused step is not done for the steps after it: close-ports refuses in the dry run too', async () => {
    // macOS: the wireguard step refuses, so verify-tunnel and close-ports have no tunnel to stand on.
    const steps = await planRunbook(
      undefined,
      profileFacts('macos'),
      stepsFor(FRESH),
      runValues({admin_user: 'admin'}),
    );
    const refused = steps.filter((s) => s.plan.findings.some((f) => f.level === 'error')).map((s) => s.id);
    expect(refused).toContain('wireguard');
    expect(refused).toContain('close-ports');
  });

  it('after a port move, the firewall plans no allow 22/tcp and proves port 2222, and fail2ban gets port = 2222', async () => {
    const steps = await planRunbook(undefined, profileFacts('debian-12'), stepsFor(FRESH), runValues(values));
    const fw = steps.find((s) => s.id === 'firewall');
    const fwText = commands(fw).join('\n');
    expect(fwText).toContain("ufw allow 2222/tcp comment 'portcullis: ssh'");
    expect(fwText).not.toMatch(/ufw allow 22\/tcp/);
    const proofs = (fw?.plan.actions ?? []).filter((a) => a.kind === 'proof');
    expect(proofs.map((p) => (p.kind === 'proof' ? p.route.port : 0))).toEqual([2222]);
    const f2b = steps.find((s) => s.id === 'fail2ban');
    const jail = (f2b?.plan.actions ?? []).find((a) => a.kind === 'file.write' && /jail/.test(a.path));
    expect(jail && 'content' in jail ? jail.content : '').toMatch(/^port = 2222$/m);
    const f2bProof = (f2b?.plan.actions ?? []).find((a) => a.kind === 'proof');
    expect(f2bProof?.kind === 'proof' ? f2bProof.route.port : 0).toBe(2222);
  });

  it('without a port move the firewall keeps 22 (the dry run follows only what the earlier steps change)', async () => {
    const {ssh_port: _, ...keep} = values;
    const steps = await planRunbook(undefined, profileFacts('debian-12'), stepsFor(FRESH), runValues(keep));
    expect(commands(steps.find((s) => s.id === 'firewall')).join('\n')).toContain('ufw allow 22/tcp');
  });

  it('the macOS plan opens no WireGuard port in pf (WireGuard is refused there)', async () => {
    const steps = await planRunbook(
      undefined,
      profileFacts('macos'),
      stepsFor(FRESH),
      runValues({admin_user: 'admin'}),
    );
    const fw = steps.find((s) => s.id === 'firewall');
    const text = [...commands(fw), ...(fw?.plan.actions ?? []).map((a) => ('content' in a ? a.content : ''))].join(
      '\n',
    );
    expect(text).toMatch(/pass in/);
    expect(text).not.toMatch(/51820/);
  });

  it('plan --save-answers writes the answers file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-answers-'));
    try {
      const file = join(dir, 'answers.yaml');
      const r = await cli([
        'plan',
        '--platform',
        'debian-12',
        '--set',
        'admin_user=admin',
        '--set',
        'admin_sudo=nopasswd',
        '--save-answers',
        file,
      ]);
      expect(r.code).toBe(0);
      expect(readFileSync(file, 'utf8')).toMatch(/^admin_user: admin$/m);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('recipes show incident-lockdown lists only the parameters its steps read', async () => {
    const r = await cli(['recipes', 'show', 'incident-lockdown']);
    expect(r.code).toBe(0);
    const params = r.stdout.split('parameters')[1] ?? '';
    expect(params).toMatch(/^ {2}ban /m);
    expect(params).toMatch(/^ {2}evidence_days /m);
    for (const key of ['team_file', 'ssh_port', 'wg_endpoint', 'admin_password', 'fail2ban_bantime'])
      expect(params).not.toMatch(new RegExp(`^ {2}${key} `, 'm'));
    const fresh = await cli(['recipes', 'show', 'fresh-vps']);
    expect(fresh.stdout).toMatch(/^ {2}tunnel_ports /m);
    expect(fresh.stdout).not.toMatch(/^ {2}(ban|terminate_sessions|evidence_dir) /m);
  });

  it("status counts WireGuard's own UDP port as open, not EXPOSED", () => {
    const facts = profileFacts('debian-12');
    const withWg = {
      ...facts,
      firewall: {...facts.firewall, inbound: {v4: {defaultDeny: true, open: ['51820/udp']}}},
      listeners: [{proto: 'udp' as const, address: '0.0.0.0', port: 51820, process: 'wireguard-go'}],
    };
    expect(wireguardPorts('wg0\t51820\nbogus line\n')).toEqual(['51820/udp']);
    const [e] = exposures(withWg, wireguardPorts('wg0\t51820\n'));
    expect(e).toMatchObject({exposed: true, flag: false});
    expect(exposures(withWg)[0]).toMatchObject({flag: true});
  });
});
