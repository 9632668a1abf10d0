import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import type {Facts} from '../../src/core/facts.js';
import type {Action, Step} from '../../src/core/types.js';
import {applyDerivations, pendingDerivations} from '../../src/engine/derive.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {applyRunbook, planRunbook} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {loadRecipe} from '../../src/recipes/load.js';
import {InputError} from '../../src/util/errors.js';
import {stepsFor} from '../../steps/index.js';
import {WG_CONF, wgSubnetDefault} from '../../steps/wireguard.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {runValues} from '../helpers/run-values.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-derived-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const debian = profileFacts('debian-12');
const freshVps = stepsFor(loadRecipe('fresh-vps').steps);
const VALUES = {admin_user: 'admin', admin_sudo: 'nopasswd'};

function written(steps: Awaited<ReturnType<typeof planRunbook>>, id: string, path: RegExp): string {
  const a = steps
    .find((s) => s.id === id)
    ?.plan.actions.find(
      (x): x is Extract<Action, {kind: 'file.write'}> => x.kind === 'file.write' && path.test(x.path),
    );
  return a?.content ?? '';
}

describe('values a later step derives are resolved before the first step', () => {
  it('fresh-vps with wg_subnet unset: the fail2ban jail exempts the subnet WireGuard will create', async () => {
    const steps = await planRunbook(undefined, debian, freshVps, runValues(VALUES));
    expect(written(steps, 'wireguard', /wg0\.conf$/)).toMatch(/^Address = 10\.66\.0\.1\/24$/m);
    expect(written(steps, 'fail2ban', /jail/)).toMatch(/^ignoreip = .*\b10\.66\.0\.0\/24\b/m);
  });

  it('a host that already uses 10.66.0.0/16: fail2ban and WireGuard agree on the free subnet chosen', async () => {
    const busy: Facts = {...debian, network: {...debian.network, addresses: ['10.66.3.4/16']}};
    const steps = await planRunbook(undefined, busy, freshVps, runValues(VALUES));
    expect(written(steps, 'wireguard', /wg0\.conf$/)).toMatch(/^Address = 10\.67\.0\.1\/24$/m);
    expect(written(steps, 'fail2ban', /jail/)).toMatch(/^ignoreip = .*\b10\.67\.0\.0\/24\b/m);
    const close = steps.find((s) => s.id === 'close-ports');
    expect(JSON.stringify(close?.plan)).not.toMatch(/10\.66\.0/);
  });

  it("an existing tunnel's subnet wins over a fresh choice (its own address makes 10.66 look taken)", () => {
    const withTunnel: Facts = {...debian, network: {...debian.network, addresses: ['10.66.0.1/24']}};
    const conf = '# Managed by portcullis. x\n[Interface]\nAddress = 10.66.0.1/24\nListenPort = 51820\n';
    const pending = pendingDerivations(freshVps, runValues({}));
    expect(pending.map((d) => d.key)).toEqual(['wg_subnet']);
    const v = applyDerivations(pending, runValues({}), withTunnel, {
      files: {[WG_CONF]: {exists: true, content: conf}},
      queries: {},
    });
    expect(v.wg_subnet).toBe('10.66.0.0/24');
    // Without the conf, the host's own 10.66.0.1/24 is taken: the next free /24.
    expect(wgSubnetDefault.derive({values: runValues({}), facts: withTunnel, probe: {files: {}, queries: {}}})).toBe(
      '10.67.0.0/24',
    );
  });

  it("a server's wg0.conf Address that is not an IPv4 address with a prefix stops the run", () => {
    for (const address of ['evil', '1.2.3.4.5/24', '2001:db8::1/64', '10.66.0.1/33', '10.66.0.1']) {
      const conf = `# Managed by portcullis. x\n[Interface]\nAddress = ${address}\nListenPort = 51820\n`;
      const probe = {files: {[WG_CONF]: {exists: true, content: conf}}, queries: {}};
      expect(() => wgSubnetDefault.derive({values: runValues({}), facts: debian, probe}), address).toThrow(InputError);
    }
  });

  it('a value the operator gave is never replaced, and a recipe without WireGuard derives no subnet', async () => {
    expect(pendingDerivations(freshVps, runValues({wg_subnet: '10.80.0.0/24'}))).toEqual([]);
    const noWg = stepsFor(['preflight', 'fail2ban']);
    expect(pendingDerivations(noWg, runValues({}))).toEqual([]);
    const steps = await planRunbook(undefined, debian, noWg, runValues({}));
    expect(written(steps, 'fail2ban', /jail/)).not.toMatch(/10\.66\./);
  });

  it('a value a later step refuses stops the run before the first step changes anything', async () => {
    const {target, scripts} = fakeTarget();
    const first: Step<unknown> = {
      id: 'first',
      title: 'first',
      why: 't',
      risk: 'reversible',
      undo: 't',
      params: () => ({}),
      probe: () => ({}),
      plan: () => ({
        actions: [{kind: 'file.write', path: '/x', content: 'x', mode: 0o644}],
        findings: [],
        onRollback: [],
      }),
    };
    const later: Step<unknown> = {
      ...first,
      id: 'later',
      params: () => {
        throw new InputError('later: bad value');
      },
    };
    const run = applyRunbook({
      target,
      facts: debian,
      steps: [first, later],
      values: runValues({}),
      runId: 'RUN',
      journal: new LocalJournal(join(dir, 'journal.jsonl')),
      events: () => {},
      confirm: async () => true,
      lock: false,
    });
    await expect(run).rejects.toThrow(InputError);
    expect(scripts.some((s) => s.includes('pcfail'))).toBe(false);
  });
});
