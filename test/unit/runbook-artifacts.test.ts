import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {Action, Step} from '../../src/core/types.js';
import type {EngineEvent} from '../../src/engine/events.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {applyRunbook} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import type {Target} from '../../src/target/types.js';
import {fakeStep} from '../helpers/fake-step.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {runValues} from '../helpers/run-values.js';

/**
 * A healthy host; `answer` decides the tunnel checks: the server's handshake check and the search of
 * sshd's log for the operator's login, by call number.
 */
function tunnelTarget(answer: (what: 'handshake' | 'login', n: number) => boolean = () => true) {
  const calls = {handshake: 0, login: 0};
  const {target} = fakeTarget({
    answer: (script) => {
      for (const what of ['handshake', 'login'] as const)
        if (script.includes(what === 'handshake' ? 'latest-handshakes' : 'journalctl'))
          return {code: answer(what, ++calls[what]) ? 0 : 1, stdout: '', stderr: ''};
      return undefined;
    },
    describeRoute: (r) => `ssh ${r.user}@${r.host}`,
  });
  return {target, calls};
}

function step(id: string, actions: Action[], extra: Partial<Step<Record<string, never>>> = {}): Step<unknown> {
  return fakeStep(id, actions, {risk: 'safe', ...extra});
}

const CONF = '/home/op/.local/state/portcullis/wireguard/vps-admin.conf';
const TUNNEL: Action = {
  kind: 'proof',
  route: {user: 'admin', host: '10.66.0.1'},
  what: 'admin logs in through the tunnel',
  tunnel: {
    iface: 'wg0',
    peer: 'admin',
    peerAddress: '10.66.0.2',
    publicKey: 'PUB',
    confPath: CONF,
    localIface: 'pcw1a2b3c4d',
    connect: false,
    timeoutS: 20,
  },
};

describe('apply: what the engine tells a UI about files and tunnels', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
  });
  /** Runs the steps; the events sent so far are kept also when the run fails. */
  async function apply(steps: Step<unknown>[], target: Target, signal?: AbortSignal) {
    const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
    dirs.push(dir);
    const events: EngineEvent[] = [];
    const journal = join(dir, 'journal.jsonl');
    const run = applyRunbook({
      target,
      facts: profileFacts('debian-12'),
      steps,
      values: runValues({}),
      runId: 'RUN',
      journal: new LocalJournal(journal),
      events: (e) => events.push(e),
      confirm: async () => true,
      signal,
    });
    const [result, error] = await run.then(
      (r) => [r, undefined] as const,
      (e: unknown) => [undefined, e as Error] as const,
    );
    return {result, error, events, journal: readFileSync(journal, 'utf8')};
  }

  it("reports each file an afterApply wrote, after the step, as the step's kind (default: a file)", async () => {
    const {target} = tunnelTarget();
    const {result, events, journal} = await apply(
      [
        step('wireguard', [], {
          artifactKind: 'client-config',
          afterApply: async () => [CONF, '/home/op/wg/vps-bob.conf'],
        }),
        step('evidence', [], {afterApply: async () => ['/home/op/evidence/vps-1']}),
      ],
      target,
    );
    const seen = events.filter((e) => e.type === 'artifact' || e.type === 'step.compliant');
    expect(seen).toEqual([
      {type: 'step.compliant', id: 'wireguard'},
      {type: 'artifact', id: 'wireguard', path: CONF, kind: 'client-config'},
      {type: 'artifact', id: 'wireguard', path: '/home/op/wg/vps-bob.conf', kind: 'client-config'},
      {type: 'step.compliant', id: 'evidence'},
      {type: 'artifact', id: 'evidence', path: '/home/op/evidence/vps-1', kind: 'file'},
    ]);
    expect(result?.artifacts).toEqual([CONF, '/home/op/wg/vps-bob.conf', '/home/op/evidence/vps-1']);
    // The journal records what changed on the server, not the operator's files.
    expect(journal).not.toContain('vps-admin.conf');
  });

  it('a tunnel proof the operator brings up: its client config at the start, then "handshake seen" once', async () => {
    // First round: the handshake came through, no login yet; second round: the login too.
    const {target, calls} = tunnelTarget((what, n) => what === 'handshake' || n >= 2);
    const t0 = Date.now();
    const {events} = await apply([step('verify-tunnel', [TUNNEL])], target);
    const start = events.find((e) => e.type === 'proof.start');
    expect(start).toMatchObject({
      command: 'ssh admin@10.66.0.1',
      tunnel: {confPath: CONF, localIface: 'pcw1a2b3c4d', connect: false},
    });
    const deadline = start?.type === 'proof.start' ? (start.tunnel?.deadline ?? 0) : 0;
    expect(deadline).toBeGreaterThanOrEqual(t0 + 20_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 20_000);
    const progress = events.filter((e) => e.type === 'proof.progress');
    expect(progress).toEqual([
      {
        type: 'proof.progress',
        id: 'verify-tunnel',
        what: 'admin logs in through the tunnel',
        stage: 'handshake',
        message: 'handshake seen, now log in through the tunnel: ssh admin@10.66.0.1',
      },
    ]);
    expect(calls.login).toBe(2);
    const kinds = events.map((e) => e.type);
    expect(kinds.indexOf('proof.progress')).toBeGreaterThan(kinds.indexOf('proof.start'));
    expect(kinds.indexOf('proof.ok')).toBeGreaterThan(kinds.indexOf('proof.progress'));
  });

  it('no handshake within the wait: the proof fails without "handshake seen"', async () => {
    const {target, calls} = tunnelTarget((what) => what === 'login');
    const proof =
      TUNNEL.kind === 'proof' && TUNNEL.tunnel ? {...TUNNEL, tunnel: {...TUNNEL.tunnel, timeoutS: 1}} : TUNNEL;
    const {error, events} = await apply([step('verify-tunnel', [proof])], target);
    expect(error?.message).toMatch(/no handshake from peer admin reached the server within 1 s/);
    expect(calls.handshake).toBeGreaterThanOrEqual(1);
    expect(events.map((e) => e.type)).toContain('proof.failed');
    expect(events.filter((e) => e.type === 'proof.progress')).toEqual([]);
  });

  it('a stop asked for while waiting for the tunnel ends the wait at once: the proof fails, the run stops', async () => {
    const {target} = tunnelTarget(() => false);
    const stop = new AbortController();
    const proof =
      TUNNEL.kind === 'proof' && TUNNEL.tunnel ? {...TUNNEL, tunnel: {...TUNNEL.tunnel, timeoutS: 60}} : TUNNEL;
    setTimeout(() => stop.abort(), 300);
    const t0 = Date.now();
    const {error, events} = await apply([step('verify-tunnel', [proof])], target, stop.signal);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(error?.message).toMatch(
      /could not prove admin logs in through the tunnel: stopped by the operator while waiting/,
    );
    expect(events.map((e) => e.type)).toContain('proof.failed');
    expect(events.map((e) => e.type)).not.toContain('step.done');
  });

  it('a proof without a tunnel carries none', async () => {
    const {events} = await apply(
      [step('admin-user', [{kind: 'proof', route: {user: 'admin'}, what: 'admin logs in'}])],
      tunnelTarget().target,
    );
    const start = events.find((e) => e.type === 'proof.start');
    expect(start).toBeDefined();
    expect(start?.type === 'proof.start' && start.tunnel).toBeUndefined();
  });

  it('tells the values a step is planned with, before its plan, and waits for the sink on each file', async () => {
    const {target} = tunnelTarget();
    const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
    dirs.push(dir);
    const seen: string[] = [];
    const facts = profileFacts('debian-12');
    await applyRunbook({
      target,
      facts,
      steps: [
        fakeStep<{port: unknown}>('wireguard', [], {
          // A key no recipe has, carried through as given (the engine passes the values on as they are).
          params: (v) => ({port: Reflect.get(v, 'port')}),
          artifactKind: 'client-config',
          afterApply: async () => [CONF],
        }),
        step('evidence', []),
      ],
      values: runValues({port: 2222}),
      runId: 'RUN',
      journal: new LocalJournal(join(dir, 'journal.jsonl')),
      events: (e) => {
        if (e.type === 'values') {
          expect(e.values).toMatchObject({port: 2222});
          expect(e.facts).toBe(facts);
          seen.push(`values ${e.id} ${JSON.stringify(e.params)}`);
        } else if (e.type === 'step.planned' || e.type === 'step.compliant') seen.push(`${e.type} ${stepIdOf(e)}`);
        else if (e.type === 'artifact') {
          seen.push('artifact');
          // The engine goes on only once this is done (the wizard draws the QR code here).
          return new Promise<void>((r) => setTimeout(() => r(void seen.push('artifact shown')), 20));
        }
        return undefined;
      },
      confirm: async () => true,
    });
    expect(seen).toEqual([
      'values wireguard {"port":2222}',
      'step.planned wireguard',
      'step.compliant wireguard',
      'artifact',
      'artifact shown',
      'values evidence {}',
      'step.planned evidence',
      'step.compliant evidence',
    ]);
  });
});

function stepIdOf(e: EngineEvent): string {
  return e.type === 'step.planned' ? e.step.id : 'id' in e ? e.id : '';
}
