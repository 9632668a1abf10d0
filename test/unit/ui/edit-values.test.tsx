import {afterEach, describe, expect, it} from 'vitest';
import type {Step} from '../../../src/core/types.js';
import {profileFacts} from '../../../src/platform/profiles.js';
import {App} from '../../../src/ui/app.js';
import {editRefusal} from '../../../src/ui/model/edit-check.js';
import {editableValues} from '../../../src/ui/model/editable.js';
import {valueRows} from '../../../src/ui/model/values.js';
import {WizardStore} from '../../../src/ui/store.js';
import {fail2ban} from '../../../steps/fail2ban.js';
import {wireguard} from '../../../steps/wireguard.js';
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
    expect(r.frame()).toMatch(/y\/Enter apply · e edit · n\/Esc\/q not now/);

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

describe('the value form: errors stay in the form, closed values are picked', () => {
  const wizard = async () => {
    const store = new WizardStore({
      label: 'h',
      host: '192.0.2.10',
      recipe: 'r',
      banner: 'b',
      startedAt: FIXED_NOW,
      steps: [...STEPS, {id: 'wireguard', title: 'WireGuard', risk: 'reversible' as const}],
    });
    return {store, r: await pastPreflight(store)};
  };

  it('an invalid value (wg_subnet=10.66.0.0/33), or one a step that already ran used, is an inline error; the run goes on', async () => {
    const {store, r} = await wizard();
    const facts = profileFacts('debian-12');
    const values = {wg_subnet: '10.66.0.0/24'};
    // As the wizard checks an edit: against every step, fail2ban (whose ignoreip holds the subnet) done.
    store.checkEdit = (edited) =>
      editRefusal([fail2ban, wireguard] as Step<unknown>[], new Set(['fail2ban']), values, edited, facts);
    const asked = store.askConsent({
      ...planned('wireguard', 'reversible', [{kind: 'run', argv: ['true'], label: 'x'}]),
      title: 'WireGuard',
    });
    store.dispatch({type: 'ui.values', id: 'wireguard', values: [], editable: editableValues('wireguard', values)});
    await settle();
    await r.type('e');
    await r.press('down');
    await r.press('enter');
    expect(r.frame()).toMatch(/› wg_subnet=10\.66\.0\.0\/24█/);
    await r.paste('\u007f\u007f33\r');
    expect(r.frame()).toMatch(/wg_subnet=10\.66\.0\.0\/33: /);
    expect(r.frame()).toMatch(/wg_subnet=10\.66\.0\.0\/33█/);
    expect(store.getState().ask?.kind).toBe('consent');
    // Valid, but fail2ban already exempts 10.66.0.0/24 from bans: changing it now is refused, said why.
    await r.paste('\u007f\u007f\u007f\u007f\u007f\u007f\u007f\u007f\u007f\u007f\u007f\u007f10.77.0.0/24\r');
    expect(r.frame()).toMatch(/fail2ban already ran with the old value; change it with --set in a new run/);
    expect(store.getState().ask?.kind).toBe('consent');
    // Esc twice: back to the review, which still waits for its answer.
    await r.press('escape');
    await r.press('escape');
    expect(r.frame()).toMatch(/Apply "WireGuard"\?/);
    await r.type('y');
    expect(await asked).toBe(true);
  });

  it('a value a step already applied used is refused with the reason, not changed behind its back', () => {
    const facts = profileFacts('debian-12');
    const known = {wg_subnet: '10.66.0.0/24'};
    const ran = new Set(['fail2ban']);
    expect(editRefusal([fail2ban as Step<unknown>], ran, known, {wg_subnet: '10.77.0.0/24'}, facts)).toMatch(
      /fail2ban already ran with the old value; change it with --set in a new run/,
    );
    expect(editRefusal([fail2ban as Step<unknown>], ran, known, {fail2ban_bantime: '1h'}, facts)).toMatch(
      /already ran/,
    );
    expect(
      editRefusal([fail2ban as Step<unknown>], new Set(), known, {wg_subnet: '10.77.0.0/24'}, facts),
    ).toBeUndefined();
  });

  it('a closed value is a pick list that says what each answer trades; Enter applies the picked one', async () => {
    const {store, r} = await wizard();
    const p = planned('ssh-hardening', 'lockout', [{kind: 'run', argv: ['true'], label: 'x'}]);
    const asked = store.askConsent(p);
    store.dispatch({type: 'ui.values', id: 'ssh-hardening', values: [], editable: editableValues('ssh-hardening', {})});
    await settle();
    await r.paste('\t');
    await r.press('down');
    await r.press('enter');
    const f = r.frame();
    expect(f).toMatch(/› no\n +root cannot log in over SSH at all/);
    expect(f).toMatch(/ {2}prohibit-password\n +root may log in with a key: a stolen root key is root/);
    expect(f).toMatch(/↑↓ pick · Enter apply and plan again · Esc cancel/);
    for (const row of r.rows()) expect(row.length).toBeLessThanOrEqual(80);
    // Typing does nothing here: the answer is picked, never typed.
    await r.type('yes');
    await r.press('down');
    expect(r.frame()).toMatch(/› prohibit-password/);
    await r.press('enter');
    expect(await asked).toEqual({values: {permit_root_login: 'prohibit-password'}});
  });
});
