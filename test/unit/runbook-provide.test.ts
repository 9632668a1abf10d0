import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {EngineEvent} from '../../src/engine/events.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {applyRunbook} from '../../src/engine/runbook.js';
import type {Step} from '../../src/engine/types.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {fakeTarget} from '../helpers/fake-target.js';

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
      values: {},
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
