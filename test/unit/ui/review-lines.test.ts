import {describe, expect, it} from 'vitest';
import {diffTone, reviewLines, riskText, timerSeconds} from '../../../src/ui/model/review-lines.js';
import {newStep} from '../../../src/ui/state/run-reducer.js';
import type {StepView} from '../../../src/ui/state/types.js';
import {ADMIN, SSH} from './fixtures.js';

const view = (p: typeof SSH, extra: Partial<StepView> = {}): StepView => ({
  ...newStep(p.id, p.title, p.risk),
  planned: p,
  ...extra,
});

describe('reviewLines', () => {
  const lines = reviewLines(
    view(SSH, {
      values: [
        {name: 'port', value: '2222'},
        {name: 'settings.permitRootLogin', value: 'no'},
      ],
      findings: [{level: 'warn', message: '50-cloud-init.conf sorts after our drop-in'}],
    }),
    80,
  );
  const text = lines.map((l) => `${l.label ?? ''}|${l.text}`);

  it('shows why, risk with the timer window, undo, values and findings, each labelled', () => {
    expect(lines.filter((l) => l.label).map((l) => l.label)).toEqual([
      'Why',
      'Risk',
      'Undo',
      'Values',
      'Findings',
      'Plan',
    ]);
    expect(text.join('\n')).toMatch(/120 s dead-man timer/);
    expect(text.join('\n')).toMatch(/port=2222 · permitRootLogin=no/);
    expect(text.join('\n')).toMatch(/! 50-cloud-init.conf sorts after/);
  });

  it('lists every action with the diff of a file and the exact commands of the others', () => {
    const all = lines.map((l) => l.text).join('\n');
    expect(all).toMatch(/1\. arm the dead-man timer/);
    expect(all).toMatch(/\$ pcdl=\$\(\/bin\/sh \/var\/lib\/portcullis\/runs\/RUN\/ssh-hardening\/arm\.sh 120\)/);
    expect(all).toMatch(/\+Port 2222/);
    expect(all).toMatch(/\$ sshd -t/);
    expect(all).toMatch(/\$ systemctl reload ssh/);
    expect(lines.find((l) => l.text.includes('+Port 2222'))?.tone).toBe('add');
    expect(lines.find((l) => l.text.includes('-Port 22'))?.tone).toBe('del');
  });

  it('fits 80 columns: no row wider than its space', () => {
    for (const l of lines) expect(l.text.length + (l.label !== undefined ? 9 : 0)).toBeLessThanOrEqual(80);
  });

  it('says when a step has nothing to change', () => {
    const empty = reviewLines(view({...ADMIN, plan: {actions: [], findings: [], onRollback: []}, diffs: []}), 80);
    expect(empty.map((l) => l.text).join('\n')).toMatch(/nothing to change/);
    expect(empty.some((l) => l.label === 'Undo')).toBe(false);
  });
});

describe('risk and diff tones', () => {
  it('names each risk in the operator words', () => {
    expect(riskText('safe')).toMatch(/read-only/);
    expect(riskText('reversible')).toMatch(/portcullis rollback/);
    expect(riskText('lockout', 45)).toMatch(/45 s dead-man timer/);
    expect(timerSeconds(SSH)).toBe(120);
    expect(timerSeconds(ADMIN)).toBeUndefined();
  });

  it('colours added, removed and hunk lines, not the file headers', () => {
    expect([
      diffTone('+x'),
      diffTone('-x'),
      diffTone('@@ -1 +1 @@'),
      diffTone('+++ b'),
      diffTone('--- a'),
      diffTone(' x'),
    ]).toEqual(['add', 'del', 'hunk', 'dim', 'dim', 'plain']);
  });
});
