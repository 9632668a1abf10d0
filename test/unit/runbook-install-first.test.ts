import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {Action, Step} from '../../src/core/types.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {applyRunbook} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {fakeStep} from '../helpers/fake-step.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {runValues} from '../helpers/run-values.js';

const stepWith = (actions: Action[]) => fakeStep('s', actions, {title: 'Step'});

const write: Action = {kind: 'file.write', path: '/etc/x.conf', content: 'x\n', mode: 0o644};
const install: Action = {kind: 'package.install', manager: 'apt', packages: ['ufw']};

describe('apply: packages installed first are outside the before-images', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
  });
  async function apply(actions: Action[], fail?: RegExp) {
    const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
    dirs.push(dir);
    // A healthy host that records every script; `fail` makes the apply segments it matches fail.
    const {target, scripts} = fakeTarget({
      answer: (script) =>
        fail?.test(script) && script.includes('pcfail')
          ? {
              code: 3,
              stdout: '@@PCJ {"run":"RUN","kind":"action.failed","step":"s","i":0,"code":100}\n',
              stderr: 'E: Unable to locate package',
            }
          : undefined,
    });
    const run = applyRunbook({
      target,
      facts: profileFacts('debian-12'),
      steps: [stepWith(actions) as Step<unknown>],
      values: runValues({}),
      runId: 'RUN',
      journal: new LocalJournal(join(dir, 'journal.jsonl')),
      events: () => {},
      confirm: async () => true,
    });
    return {run, scripts};
  }

  it('a leading install runs before the snapshot, so a rollback restores the files the package shipped', async () => {
    const {run, scripts} = await apply([install, write]);
    await run;
    const seg = scripts.find((s) => s.includes('pcfail') && s.includes('apt-get install')) ?? '';
    const installAt = seg.indexOf('apt-get install');
    const snapAt = seg.indexOf('/var/lib/portcullis/runs/RUN/s/before');
    expect(installAt).toBeGreaterThan(0);
    expect(snapAt).toBeGreaterThan(installAt);
    expect(seg.indexOf('/etc/x.conf.pc-new')).toBeGreaterThan(snapAt);
  });

  it('without an install the snapshot still comes before the first change', async () => {
    const {run, scripts} = await apply([write]);
    await run;
    const seg = scripts.find((s) => s.includes('pcfail') && s.includes('/etc/x.conf.pc-new')) ?? '';
    expect(seg.indexOf('/var/lib/portcullis/runs/RUN/s/before')).toBeLessThan(seg.indexOf('/etc/x.conf.pc-new'));
    expect(seg.indexOf('/var/lib/portcullis/runs/RUN/s/before')).toBeGreaterThan(0);
  });

  it('a failed install rolls back cleanly although no rollback script exists yet', async () => {
    const {run, scripts} = await apply([install, write], /apt-get install/);
    await expect(run).rejects.toThrow(/install ufw failed .*everything this step changed has been restored/);
    // Nothing to restore, but the target's journal still ends the step: rolled back by the failure, not in doubt.
    expect(
      scripts.some((s) =>
        /\[ -f \S+rollback\.sh \] \|\| \{ printf .*"kind":"step\.rolled-back".* RUN s failure >> \S+journal\.jsonl; exit 0; \}/.test(
          s,
        ),
      ),
    ).toBe(true);
  });
});
