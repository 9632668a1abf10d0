import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {Step} from '../../src/core/types.js';
import type {EngineEvent} from '../../src/engine/events.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {applyRunbook, type ConfirmAnswer} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import type {ProofRoute} from '../../src/target/types.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {runValues} from '../helpers/run-values.js';

/** A step that cannot plan without `admin_user`, and says so with `needs`. */
const named: Step<{user?: string}> = {
  id: 'named',
  title: 'Named',
  why: 'test',
  risk: 'reversible',
  undo: 'test',
  params: (values) => ({user: values.admin_user as string | undefined}),
  probe: () => ({}),
  plan: (ctx) =>
    ctx.params.user
      ? {
          actions: [{kind: 'run', argv: ['useradd', ctx.params.user], label: `create ${ctx.params.user}`}],
          findings: [],
          onRollback: [],
        }
      : {actions: [], findings: [{level: 'error', message: 'name the admin', needs: ['admin_user']}], onRollback: []},
};

describe('apply: values a step needs, asked of the operator', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
  });
  function apply(provide?: (needs: readonly string[]) => Record<string, unknown> | undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
    dirs.push(dir);
    const {target, scripts} = fakeTarget();
    const events: EngineEvent[] = [];
    const asked: (readonly string[])[] = [];
    const run = applyRunbook({
      target,
      facts: profileFacts('debian-12'),
      steps: [named] as Step<unknown>[],
      values: runValues({}),
      runId: 'RUN',
      journal: new LocalJournal(join(dir, 'journal.jsonl')),
      events: (e) => events.push(e),
      confirm: async () => true,
      ...(provide && {
        provide: async (_p, needs) => {
          asked.push(needs);
          return provide(needs);
        },
      }),
    });
    return {run, scripts, events, asked};
  }

  it('asks for the needed value, plans the step again with it, and the refusal never shows', async () => {
    const {run, scripts, events, asked} = apply(() => ({admin_user: 'ops'}));
    await run;
    expect(asked).toEqual([['admin_user']]);
    expect(scripts.filter((s) => s.includes('pcfail')).join('\n')).toContain('useradd ops');
    expect(events.some((e) => e.type === 'finding' && e.finding.message === 'name the admin')).toBe(false);
    expect(events.some((e) => e.type === 'step.done')).toBe(true);
  });

  it('declined: the step is refused with its finding, nothing changed', async () => {
    const {run, scripts, events} = apply(() => undefined);
    await expect(run).rejects.toThrow(/Named: refused, nothing was changed: name the admin/);
    expect(events.some((e) => e.type === 'finding' && e.finding.message === 'name the admin')).toBe(true);
    expect(scripts.some((s) => s.includes('pcfail'))).toBe(false);
  });

  it('headless (no provide): refused as before', async () => {
    const {run} = apply();
    await expect(run).rejects.toThrow(/refused, nothing was changed: name the admin/);
  });
});

/** Writes `Port <ssh_port>` and proves a login on it. */
const ported: Step<{port: number}> = {
  id: 'ported',
  title: 'Ported',
  why: 'test',
  risk: 'reversible',
  undo: 'test',
  params: (values) => ({port: (values.ssh_port as number | undefined) ?? 2222}),
  probe: () => ({}),
  plan: (ctx) => ({
    actions: [
      {kind: 'file.write', path: '/etc/ported.conf', content: `Port ${ctx.params.port}\n`, mode: 0o644},
      {kind: 'proof', route: {user: 'admin', port: ctx.params.port}, what: `admin logs in on ${ctx.params.port}`},
    ],
    findings: [],
    onRollback: [],
  }),
};
const later: Step<Record<string, never>> = {
  id: 'later',
  title: 'Later',
  why: 'test',
  risk: 'reversible',
  undo: 'test',
  params: () => ({}),
  probe: () => ({}),
  plan: (ctx) => ({
    actions: [{kind: 'run', argv: ['true'], label: `after: ${(ctx.done ?? []).join(',') || 'nothing'}`}],
    findings: [],
    onRollback: [],
  }),
};

describe('apply: skip, and what follows a rollback', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
  });
  function apply(o: {answers: ConfirmAnswer[]; recover?: ConfirmAnswer[]; blocked?: number[]}) {
    const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
    dirs.push(dir);
    const base = fakeTarget();
    const proofs: number[] = [];
    const target = {
      ...base.target,
      probe: async (route: ProofRoute) => {
        proofs.push(route.port ?? 22);
        return (o.blocked ?? []).includes(route.port ?? 22)
          ? {ok: false as const, ms: 1, reason: `port ${route.port} is unreachable from here`}
          : {ok: true as const, ms: 1};
      },
    };
    const events: EngineEvent[] = [];
    const asked: string[] = [];
    const run = applyRunbook({
      target,
      facts: profileFacts('debian-12'),
      steps: [ported, later] as Step<unknown>[],
      values: runValues({}),
      runId: 'RUN',
      journal: new LocalJournal(join(dir, 'journal.jsonl')),
      events: (e) => events.push(e),
      confirm: async (p) => {
        asked.push(p.plan.actions.map((a) => (a.kind === 'run' ? a.label : a.kind)).join(' '));
        return o.answers.shift() ?? true;
      },
      ...(o.recover && {recover: async () => o.recover?.shift() ?? false}),
    });
    return {run, events, asked, proofs, scripts: base.scripts};
  }

  it("'skip' at the review: nothing of the step runs, the run goes on, and later steps know it did not run", async () => {
    const {run, events, asked, scripts} = apply({answers: ['skip', true]});
    const result = await run;
    expect(result.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['ported:skipped', 'later:applied']);
    expect(events.some((e) => e.type === 'step.skipped' && e.id === 'ported')).toBe(true);
    expect(asked.at(-1)).toBe('after: nothing');
    expect(scripts.some((s) => s.includes('ported.conf'))).toBe(false);
  });

  it('a blocked new port rolls back, then the operator gives another port: planned, asked and proven again', async () => {
    const {run, asked, proofs} = apply({
      answers: [true, true, true],
      recover: [{values: {ssh_port: 2200}}],
      blocked: [2222],
    });
    const result = await run;
    expect(proofs.filter((p) => p === 2222).length).toBeGreaterThan(0);
    expect(proofs.at(-1)).toBe(2200);
    expect(asked).toHaveLength(3);
    expect(result.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['ported:applied', 'later:applied']);
    expect(asked.at(-1)).toBe('after: ported');
  });

  it('after a rollback, skip goes on without it; no recover (headless) stops as before', async () => {
    const skipped = apply({answers: [true, true], recover: ['skip'], blocked: [2222]});
    const r = await skipped.run;
    expect(r.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['ported:rolled-back', 'later:applied']);
    const headless = apply({answers: [true], blocked: [2222]});
    await expect(headless.run).rejects.toThrow(/Ported: could not prove admin logs in on 2222/);
  });
});

describe('apply: what a step reports about itself', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
  });
  const journal = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
    dirs.push(dir);
    return new LocalJournal(join(dir, 'journal.jsonl'));
  };

  it('a read-only step whose proof fails does not claim it restored anything', async () => {
    const proveOnly: Step<Record<string, never>> = {
      ...later,
      id: 'prove-only',
      title: 'Prove only',
      plan: () => ({
        actions: [{kind: 'proof', route: {user: 'admin'}, what: 'admin logs in'}],
        findings: [],
        onRollback: [],
      }),
    };
    const {target} = fakeTarget();
    const run = applyRunbook({
      target: {...target, probe: async () => ({ok: false as const, ms: 1, reason: 'no route'})},
      facts: profileFacts('debian-12'),
      steps: [proveOnly] as Step<unknown>[],
      values: runValues({}),
      runId: 'RUN',
      journal: journal(),
      events: () => {},
      confirm: async () => true,
    });
    await expect(run).rejects.toThrow(/this step changes nothing on the server, so there was nothing to restore/);
    await expect(run).rejects.not.toThrow(/everything this step changed has been restored/);
  });

  it("a step's time starts at the operator's yes, not while they read the review", async () => {
    const {target} = fakeTarget();
    const events: EngineEvent[] = [];
    await applyRunbook({
      target,
      facts: profileFacts('debian-12'),
      steps: [later] as Step<unknown>[],
      values: runValues({}),
      runId: 'RUN',
      journal: journal(),
      events: (e) => events.push(e),
      confirm: () => new Promise((r) => setTimeout(() => r(true), 400)),
    });
    const done = events.find((e) => e.type === 'step.done');
    expect(done?.type === 'step.done' && done.ms).toBeLessThan(300);
  });
});
