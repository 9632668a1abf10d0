import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {PlannedStep, Step} from '../../src/core/types.js';
import type {EngineEvent} from '../../src/engine/events.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {applyRunbook, type ConfirmAnswer} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {fakeStep} from '../helpers/fake-step.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {runValues} from '../helpers/run-values.js';

/** A step that writes `Port <ssh_port>` (22 by default) to its own file. */
const portStep = (id: string) =>
  fakeStep<{port: number}>(id, [], {
    title: `Step ${id}`,
    params: (values) => ({port: (values.ssh_port as number | undefined) ?? 22}),
    plan: (ctx) => ({
      actions: [{kind: 'file.write', path: `/etc/${id}.conf`, content: `Port ${ctx.params.port}\n`, mode: 0o644}],
      findings: [],
      onRollback: [],
    }),
  });

const content = (p: PlannedStep) => (p.plan.actions[0] as {content: string}).content;

describe('apply: values edited at the confirmation', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
  });
  function apply(answers: ConfirmAnswer[]) {
    const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
    dirs.push(dir);
    const {target, scripts} = fakeTarget();
    const asked: PlannedStep[] = [];
    const events: EngineEvent[] = [];
    const run = applyRunbook({
      target,
      facts: profileFacts('debian-12'),
      steps: [portStep('a'), portStep('b')] as Step<unknown>[],
      values: runValues({}),
      runId: 'RUN',
      journal: new LocalJournal(join(dir, 'journal.jsonl')),
      events: (e) => events.push(e),
      confirm: async (p) => {
        asked.push(p);
        return answers.shift() ?? true;
      },
    });
    return {run, scripts, asked, events};
  }

  it('plans the same step again with the edited values, asks again, and later steps see them too', async () => {
    const {run, scripts, asked, events} = await apply([{values: {ssh_port: 2222}}, true, true]);
    await run;
    expect(asked.map((p) => `${p.id}: ${content(p).trim()}`)).toEqual(['a: Port 22', 'a: Port 2222', 'b: Port 2222']);
    expect(events.filter((e) => e.type === 'step.planned').length).toBe(3);
    // Only the plan that was confirmed ran: nothing of the first plan reached the target (file
    // contents travel base64-encoded).
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const applied = scripts.filter((s) => s.includes('pcfail')).join('\n');
    expect(applied).toContain('/etc/a.conf');
    expect(applied).not.toContain(b64('Port 22\n'));
    expect(applied.split(b64('Port 2222\n')).length - 1).toBe(2);
  });

  it('declining after an edit stops before the step, with nothing of it changed', async () => {
    const {run, scripts, asked} = await apply([{values: {ssh_port: 2200}}, false]);
    await expect(run).rejects.toThrow(/stopped before Step a: not confirmed/);
    expect(asked.map((p) => content(p).trim())).toEqual(['Port 22', 'Port 2200']);
    expect(scripts.some((s) => s.includes('pcfail'))).toBe(false);
  });
});
