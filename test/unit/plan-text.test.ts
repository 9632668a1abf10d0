import {describe, expect, it} from 'vitest';
import type {PlannedStep} from '../../src/core/types.js';
import {makeStyle, renderPlan} from '../../src/present/plan-text.js';

const step = (id: string, packages: string[], manager: 'apt' | 'dnf' = 'apt'): PlannedStep => ({
  id,
  title: id,
  why: 'why',
  risk: 'reversible',
  undo: 'undo',
  plan: {actions: packages.length ? [{kind: 'package.install', manager, packages}] : [], findings: [], onRollback: []},
  diffs: [],
});

describe('the dry run as text', () => {
  it("names the run's packages once and says when apply installs them (ahead with --yes, downloads in the wizard)", () => {
    const text = renderPlan([step('firewall', ['ufw']), step('fail2ban', ['fail2ban', 'ufw'])], makeStyle(false), 'h');
    expect(text).toMatch(/^packages: ufw, fail2ban\. `apply --yes` installs them ahead, in the background/m);
    expect(text).toMatch(/the wizard only downloads them ahead; `--no-ahead` leaves each install to its step/);
  });

  it('says nothing of it when no step installs an apt package', () => {
    const text = renderPlan([step('a', []), step('b', ['nftables'], 'dnf')], makeStyle(false), 'h');
    expect(text).not.toMatch(/packages:/);
  });
});
