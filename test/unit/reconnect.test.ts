import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {Action, Step} from '../../src/core/types.js';
import {LocalJournal, parseJournal} from '../../src/engine/journal.js';
import {backoffMs, checkedEntry, reconcile, verdictOf} from '../../src/engine/reconnect.js';
import {applyRunbook} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import type {Target} from '../../src/target/types.js';
import {RunError} from '../../src/util/errors.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {runValues} from '../helpers/run-values.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
});

const entry = (o: object) => JSON.stringify({at: '2026-12-03T08:00:20Z', run: 'RUN', ...o});

describe("the target's verdict on an armed step", () => {
  it('reads rolled back (by whom), committed, or still armed from the state and the journal', () => {
    const rolled = `@@STATE rolled-back\n${entry({kind: 'timer.armed', step: 's', seconds: 20, deadline: 1})}\n${entry({kind: 'step.rolled-back', step: 's', by: 'timer'})}\n`;
    expect(verdictOf(rolled, 'RUN', 's').verdict).toEqual({
      kind: 'rolled-back',
      by: 'timer',
      at: '2026-12-03T08:00:20Z',
    });
    expect(verdictOf(rolled, 'RUN', 's').entries).toHaveLength(2);
    expect(
      verdictOf(`@@STATE committed\n${entry({kind: 'step.done', step: 's', changed: 1})}`, 'RUN', 's').verdict,
    ).toEqual({
      kind: 'done',
    });
    expect(verdictOf('@@STATE armed\n', 'RUN', 's').verdict).toEqual({kind: 'armed'});
    // Another run's or another step's end says nothing about this one.
    const other = `@@STATE armed\n${JSON.stringify({run: 'OTHER', kind: 'step.rolled-back', step: 's', by: 'timer'})}\n${entry({kind: 'step.done', step: 't', changed: 1})}`;
    expect(verdictOf(other, 'RUN', 's').verdict).toEqual({kind: 'armed'});
  });

  it("keeps only well-formed entries of this run: the server's text is data, checked before the local copy", () => {
    const lines = [
      entry({kind: 'step.rolled-back', step: 's', by: 'timer', extra: 'dropped'}),
      entry({kind: 'step.rolled-back', step: 's', by: 'timer; rm -rf ~'}),
      entry({kind: 'proof.failed', step: 's', route: 'ssh h', reason: 'no\u001b]52;c;owned\u0007'}),
      entry({kind: 'step.done', step: '../../x', changed: 1}),
      entry({kind: 'made.up', step: 's'}),
      JSON.stringify({at: 'yesterday', run: 'RUN', kind: 'timer.disarmed', step: 's'}),
      JSON.stringify({run: 'OTHER', kind: 'timer.disarmed', step: 's'}),
      entry({kind: 'timer.armed', step: 's', seconds: 20, deadline: '1; reboot'}),
    ];
    const {entries} = verdictOf(`@@STATE armed\n${lines.join('\n')}\n`, 'RUN', 's');
    expect(entries).toEqual([
      {at: '2026-12-03T08:00:20Z', run: 'RUN', kind: 'step.rolled-back', step: 's', by: 'timer'},
    ]);
    expect(checkedEntry(JSON.parse(entry({kind: 'timer.armed', step: 's', seconds: 20, deadline: 5})), 'RUN')).toEqual({
      at: '2026-12-03T08:00:20Z',
      run: 'RUN',
      kind: 'timer.armed',
      step: 's',
      seconds: 20,
      deadline: 5,
    });
  });

  it('backs off 1, 2, 4 s, then every 5 s', () => {
    expect([1, 2, 3, 4, 5, 9].map(backoffMs)).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('reconnects until the target answers, or gives up at `until`', async () => {
    let calls = 0;
    const target = {
      run: async () => {
        calls++;
        if (calls < 4) throw new RunError('ssh: connect to host h port 22: Connection timed out');
        return {code: 0, stdout: '@@STATE armed\n', stderr: ''};
      },
    } as unknown as Target;
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const r = await reconcile({target, runId: 'RUN', stepId: 's', until: Date.now() + 60_000, sleep});
    expect(r).toMatchObject({verdict: {kind: 'armed'}, attempts: 4});
    expect(waits).toEqual([1000, 2000, 4000]);
    const never = {
      run: async () => {
        throw new RunError('no route to host');
      },
    } as unknown as Target;
    const g = await reconcile({target: never, runId: 'RUN', stepId: 's', until: Date.now() + 3500, sleep});
    expect(g.verdict).toEqual({kind: 'unreachable', reason: 'no route to host'});
  });
});

describe('apply: a connection lost with a step under its timer', () => {
  const actions: Action[] = [
    {kind: 'timer.arm', seconds: 1},
    {kind: 'file.write', path: '/etc/x.conf', content: 'x\n', mode: 0o644},
    {kind: 'proof', route: {port: 22}, what: 'root logs in'},
    {kind: 'timer.disarm'},
  ];
  const step: Step<Record<string, never>> = {
    id: 's',
    title: 'Step',
    why: 'test',
    risk: 'lockout',
    undo: 'test',
    params: () => ({}),
    probe: () => ({}),
    plan: () => ({actions, findings: [], onRollback: []}),
  };

  /** The commit segment's connection drops; the target answers again later with `state` and `tail`. */
  function lostAtCommit(state: string, tail: string[]) {
    const {target, scripts} = fakeTarget();
    let lost = false;
    const run = target.run.bind(target);
    target.run = async (script, opts) => {
      if (script.includes('pcfail') && script.includes('rollback.sh') && script.includes(' commit') && !lost) {
        lost = true;
        scripts.push(script);
        throw new RunError('ssh: the connection to root@h:22 was lost (no answer to keepalives)');
      }
      if (script.includes('@@STATE'))
        return {code: 0, stdout: `@@STATE ${state}\n${tail.map((t) => entry(JSON.parse(t))).join('\n')}\n`, stderr: ''};
      return run(script, opts);
    };
    return {target, scripts};
  }

  async function applyWith(target: Target) {
    const dir = mkdtempSync(join(tmpdir(), 'pc-reconnect-'));
    dirs.push(dir);
    const path = join(dir, 'journal.jsonl');
    const events: {type: string; reason?: string}[] = [];
    const result = applyRunbook({
      target,
      facts: profileFacts('debian-12'),
      steps: [step as Step<unknown>],
      values: runValues({}),
      runId: 'RUN',
      journal: new LocalJournal(path),
      events: (e) => events.push(e as {type: string}),
      confirm: async () => true,
    });
    return {result, events, local: () => parseJournal(readFileSync(path, 'utf8'))};
  }

  it("reports the timer's rollback from the target's journal, and the local copy holds the target's entry", async () => {
    const {target} = lostAtCommit('rolled-back', [JSON.stringify({kind: 'step.rolled-back', step: 's', by: 'timer'})]);
    const a = await applyWith(target);
    await expect(a.result).rejects.toThrow(
      /connection to the target was lost .*the target's journal says its dead-man timer rolled it back/,
    );
    expect(a.events.map((e) => e.type)).toContain('step.rolled-back');
    const ends = a.local().filter((e) => e.kind === 'step.rolled-back');
    expect(ends).toEqual([{at: '2026-12-03T08:00:20Z', run: 'RUN', kind: 'step.rolled-back', step: 's', by: 'timer'}]);
    expect(a.local().at(-1)).toMatchObject({kind: 'run.end', status: 'rolled-back'});
  });

  it('goes on when the commit landed before the connection was lost', async () => {
    const {target} = lostAtCommit('committed', [
      JSON.stringify({kind: 'timer.disarmed', step: 's'}),
      JSON.stringify({kind: 'step.done', step: 's', changed: 1}),
    ]);
    const a = await applyWith(target);
    const r = await a.result;
    expect(r.steps).toEqual([expect.objectContaining({id: 's', status: 'applied'})]);
    expect(a.local().some((e) => e.kind === 'step.done' && e.step === 's')).toBe(true);
    expect(a.local().at(-1)).toMatchObject({kind: 'run.end', status: 'applied'});
  });

  it('rolls back at once when the target is reached again inside the window, still undecided', async () => {
    const {target, scripts} = lostAtCommit('armed', []);
    const a = await applyWith(target);
    await expect(a.result).rejects.toThrow(
      /lost .* while this step was under its dead-man timer; everything this step changed has been restored/,
    );
    expect(scripts.some((s) => /rollback\.sh failure/.test(s))).toBe(true);
  });
});

describe('reconnecting when the way the run came in is gone', () => {
  it("asks the step's proven route (the tunnel after close-ports) when the target's own does not answer", async () => {
    const {target: tunnel, scripts} = fakeTarget({
      answer: (s) =>
        s.includes('@@STATE')
          ? {code: 0, stdout: `@@STATE committed\n${entry({kind: 'step.done', step: 's', changed: 1})}\n`, stderr: ''}
          : undefined,
    });
    const rerouted: object[] = [];
    const gone: Target = {
      ...fakeTarget().target,
      run: async () => {
        throw new RunError('admin@192.0.2.10:2222 is unreachable from here (timed out)');
      },
      reroute: async (route) => {
        rerouted.push(route);
        return tunnel;
      },
    };
    const r = await reconcile({
      target: gone,
      runId: 'RUN',
      stepId: 's',
      until: Date.now() + 60_000,
      alternates: [{host: '10.66.0.1', user: 'admin', port: 2222}],
      sleep: async () => {},
    });
    expect(r.verdict).toEqual({kind: 'done'});
    expect(rerouted).toEqual([{host: '10.66.0.1', user: 'admin', port: 2222}]);
    expect(scripts.some((s) => s.includes('@@STATE'))).toBe(true);
  });
});
