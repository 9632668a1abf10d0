import {afterEach, describe, expect, it} from 'vitest';
import {App} from '../../../src/ui/app.js';
import {editableValues} from '../../../src/ui/model/editable.js';
import {valueRows} from '../../../src/ui/model/values.js';
import {WizardStore} from '../../../src/ui/store.js';
import {cleanup, FIXED_NOW, renderUi, settle} from '../../helpers/render.js';
import {planned, STEPS} from './fixtures.js';

afterEach(cleanup);

const adminPlan = (user: string) =>
  planned('admin-user', 'reversible', [{kind: 'run', argv: ['useradd', '-m', user], label: `create the user ${user}`}]);

/** What the engine does for the admin step: params (the wizard's wrapped params report values), plan, ask. */
function planAdmin(store: WizardStore, values: Record<string, unknown>) {
  const user = (values.admin_user as string | undefined) ?? 'admin';
  store.dispatch({
    type: 'ui.values',
    id: 'admin-user',
    values: valueRows({user}),
    editable: editableValues('admin-user', values),
  });
  const p = adminPlan(user);
  store.events({type: 'step.planned', step: p});
  return store.askConsent(p);
}

/** Renders the wizard, connects it and passes the preflight screen, as a run does before its first step. */
async function pastPreflight(store: WizardStore) {
  const r = await renderUi(<App store={store} acceptAfterMs={0} />);
  store.dispatch({
    type: 'ui.connected',
    preflight: {platform: 'p', ssh: 's', you: 'y', firewall: 'f', listeners: [], notes: []},
  });
  const go = store.waitForContinue();
  await settle();
  await r.press('enter');
  await go;
  return r;
}

describe('the step review: editing the values', () => {
  it('e opens the values, a bad value is refused in the form, a good one re-plans the step', async () => {
    const store = new WizardStore({
      label: 'root@192.0.2.10',
      host: '192.0.2.10',
      recipe: 'fresh-vps',
      banner: 'portcullis',
      startedAt: FIXED_NOW,
      steps: STEPS,
    });
    const r = await pastPreflight(store);

    let values: Record<string, unknown> = {admin_user: 'admin'};
    const first = planAdmin(store, values);
    await settle();
    expect(r.frame()).toMatch(/Values +user=admin/);
    expect(r.frame()).toMatch(/\$ useradd -m admin/);
    expect(r.frame()).toMatch(/y\/Enter apply · e edit · n\/Esc\/q stop here/);

    await r.type('e');
    expect(r.frame()).toMatch(/› admin_user +admin/);
    expect(r.frame()).toMatch(/admin_key +\(default\)/);
    expect(r.frame()).toMatch(/admin_user: the sudo user who stays able to log in/);
    expect(r.frame()).not.toMatch(/admin_password/);
    await r.press('enter');
    expect(r.frame()).toMatch(/› admin_user=admin█/);

    for (let i = 0; i < 5; i++) await r.press('backspace');
    await r.type('Ops');
    await r.press('enter');
    // Checked as --set checks it: the same sentence, nothing planned again, the question still open.
    expect(r.frame()).toMatch(/admin_user=Ops: .*lowercase letters/);
    expect(store.getState().ask?.kind).toBe('consent');

    await r.press('backspace');
    await r.press('backspace');
    await r.press('backspace');
    await r.type('ops');
    await r.press('enter');
    const answer = await first;
    expect(answer).toEqual({values: {admin_user: 'ops'}});
    expect(r.frame()).toMatch(/planning Admin user/);

    // The engine merges the values and plans the same step again: the review shows the new plan.
    values = {...values, ...(answer as {values: Record<string, unknown>}).values};
    const second = planAdmin(store, values);
    await settle();
    expect(r.frame()).toMatch(/Values +user=ops/);
    expect(r.frame()).toMatch(/\$ useradd -m ops/);
    expect(r.frame()).not.toMatch(/useradd -m admin/);
    for (const row of r.rows()) expect(row.length).toBeLessThanOrEqual(80);
    await r.type('y');
    expect(await second).toBe(true);
  });

  it('Esc cancels an edit and closes the form without answering', async () => {
    const store = new WizardStore({
      label: 'h',
      host: '192.0.2.10',
      recipe: 'r',
      banner: 'b',
      startedAt: FIXED_NOW,
      steps: STEPS,
    });
    const r = await pastPreflight(store);
    void planAdmin(store, {});
    await settle();
    await r.type('e');
    await r.press('down');
    await r.press('enter');
    expect(r.frame()).toMatch(/› admin_key=█/);
    await r.press('escape');
    expect(r.frame()).not.toMatch(/admin_key=█/);
    expect(r.frame()).toMatch(/› admin_key +\(default\)/);
    await r.press('escape');
    expect(r.frame()).toMatch(/Apply "Admin user"\?/);
    expect(store.getState().ask?.kind).toBe('consent');
  });
});
