import {describe, expect, it} from 'vitest';
import {PLATFORMS} from '../../src/core/facts.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {STEPS} from '../../steps/index.js';
import {fakeStep} from '../helpers/fake-step.js';
import {
  checkActionsCompile,
  checkFilesConverge,
  checkPlanSendsOnlyReads,
  checkPure,
  checkUndoCoversFiles,
  planOffline,
} from '../helpers/step-conformance.js';

/** updates writes dnf-automatic's config together with enabling its timer, which only a query shows. */
const ALSO_QUERIED = ['/etc/dnf/automatic.conf'];

/** The fresh-vps recipe's values, as the offline plans use them. */
const VALUES = {admin_user: 'admin', ssh_port: 2222, admin_sudo: 'nopasswd'};

describe.each(PLATFORMS)('step conformance on %s (test/helpers/step-conformance.ts)', (platform) => {
  const facts = profileFacts(platform);

  it('plans every step of steps/index.ts, most with changes on a fresh host', async () => {
    const cases = await planOffline(STEPS, facts, VALUES);
    expect(cases.map((c) => c.step.id)).toEqual(STEPS.map((s) => s.id));
    expect(cases.filter((c) => c.plan.actions.length).length).toBeGreaterThan(1);
  });

  it('planning is pure: the same plan twice, the context untouched', async () => {
    const cases = await planOffline(STEPS, facts, VALUES);
    expect(cases.flatMap(checkPure)).toEqual([]);
  });

  it('every action describes itself and compiles to shell', async () => {
    const cases = await planOffline(STEPS, facts, VALUES);
    expect(cases.flatMap(checkActionsCompile)).toEqual([]);
  });

  it('undo restores every file a step writes or removes', async () => {
    const cases = await planOffline(STEPS, facts, VALUES);
    expect(cases.flatMap(checkUndoCoversFiles)).toEqual([]);
  });

  it('with its files already in place a step writes none of them again', async () => {
    const cases = await planOffline(STEPS, facts, VALUES);
    expect(cases.flatMap((c) => checkFilesConverge(c, ALSO_QUERIED))).toEqual([]);
  });

  it('a dry run sends the target nothing but read-only probes', async () => {
    expect(await checkPlanSendsOnlyReads(STEPS, facts, VALUES)).toEqual([]);
  });
});

describe('the conformance checks find a step that breaks them', () => {
  const facts = profileFacts('debian-12');
  const write = {kind: 'file.write' as const, path: '/etc/x.conf', content: 'x\n', mode: 0o644};

  it('a step that writes its file again with the file in place', async () => {
    const always = fakeStep('always', [write], {probe: () => ({files: ['/etc/x.conf']})});
    const [c] = await planOffline([always], facts, {});
    expect(c && checkFilesConverge(c)).toEqual([
      'always: with its files in place it still plans write /etc/x.conf (mode 0644)',
    ]);
    const once = fakeStep('once', [], {
      probe: () => ({files: ['/etc/x.conf']}),
      plan: ({probe}) => ({actions: probe.files['/etc/x.conf']?.exists ? [] : [write], findings: [], onRollback: []}),
    });
    const [d] = await planOffline([once], facts, {});
    expect(d && checkFilesConverge(d)).toEqual([]);
  });

  it('a step whose plans differ each time, or that changes its context', async () => {
    let n = 0;
    const counting = fakeStep('counting', [], {
      plan: (ctx) => {
        ctx.probe.files[`/seen/${n}`] = {exists: true};
        return {actions: [{...write, content: `${n++}\n`}], findings: [], onRollback: []};
      },
    });
    const [c] = await planOffline([counting], facts, {});
    expect(c && checkPure(c)).toEqual([
      'counting: planned twice on the same host, plans differ',
      'counting: planning changed its context (facts or probe)',
    ]);
  });

  it('a file path that is not plain absolute', async () => {
    const relative = fakeStep('relative', [{...write, path: 'etc/../x.conf'}]);
    const [c] = await planOffline([relative], facts, {});
    expect(c && checkUndoCoversFiles(c)).toContain('relative: etc/../x.conf is not a plain absolute path');
  });
});
