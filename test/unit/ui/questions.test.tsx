import {afterEach, describe, expect, it} from 'vitest';
import {App} from '../../../src/ui/app.js';
import {nextMoveQuestion, questionFor} from '../../../src/ui/model/questions.js';
import {WizardStore} from '../../../src/ui/store.js';
import {cleanup, FIXED_NOW, renderUi, settle} from '../../helpers/render.js';
import {STEPS} from './fixtures.js';

afterEach(cleanup);

async function wizard() {
  const store = new WizardStore({
    label: 'root@192.0.2.10',
    host: '192.0.2.10',
    recipe: 'fresh-vps',
    banner: 'portcullis',
    startedAt: FIXED_NOW,
    steps: STEPS,
  });
  const r = await renderUi(<App store={store} acceptAfterMs={0} />);
  store.dispatch({
    type: 'ui.connected',
    preflight: {platform: 'p', ssh: 's', you: 'y', firewall: 'f', listeners: [], notes: []},
  });
  const go = store.waitForContinue();
  await settle();
  await r.press('enter');
  await go;
  return {store, r};
}

const ask = (store: WizardStore, key: string, values: Record<string, unknown> = {}) => {
  const q = questionFor(key, values);
  if (!q) throw new Error(`no question for ${key}`);
  return store.askQuestion('admin-user', q);
};

describe('the questions a fresh root-only VPS needs answered', () => {
  it('the admin name: prefilled with the default, Enter takes it', async () => {
    const {store, r} = await wizard();
    const answer = ask(store, 'admin_user');
    await settle();
    expect(r.frame()).toMatch(/2\/3 Admin user waiting for you/);
    expect(r.frame()).toMatch(/Name the admin user who stays/);
    expect(r.frame()).toMatch(/admin_user › admin█/);
    await r.press('enter');
    expect(await answer).toBe('admin');
  });

  it('backspaces that arrive in one read all count, and a bad name is an inline error, not the end', async () => {
    const {store, r} = await wizard();
    const answer = ask(store, 'admin_user');
    await settle();
    await r.paste('\u007f\u007f\u007f\u007f\u007f');
    expect(r.frame()).toMatch(/admin_user › █/);
    await r.paste('Bad Name\r');
    expect(r.frame()).toMatch(/admin_user=Bad Name: a login name: lowercase letters, digits, _ and -/);
    expect(r.frame()).toMatch(/admin_user › █/);
    await r.paste('deploy\r');
    expect(await answer).toBe('deploy');
  });

  it('the sudo mode: a pick list that says what each choice trades away; ↓ then Enter in one read picks the second', async () => {
    const {store, r} = await wizard();
    const answer = ask(store, 'admin_sudo', {admin_user: 'deploy'});
    await settle();
    const f = r.frame();
    expect(f).toMatch(/How deploy uses sudo/);
    expect(f).toMatch(/› sudo asks for deploy's password \(set next\)/);
    expect(f).toMatch(/a stolen key, or a process running as deploy, still needs the password/);
    expect(f).toMatch(/ {2}sudo without a password/);
    expect(f).toMatch(/becomes root without asking/);
    expect(f).toMatch(/↑↓ pick · Enter choose · Esc stop here/);
    for (const row of r.rows()) expect(row.length).toBeLessThanOrEqual(80);
    await r.paste('\u001b[B\r');
    expect(await answer).toBe('nopasswd');
  });

  it('the password: typed twice as dots, checked before the second entry, never shown or echoed in an error', async () => {
    const {store, r} = await wizard();
    const answer = ask(store, 'admin_password', {admin_user: 'deploy'});
    await settle();
    expect(r.frame()).toMatch(/Set the sudo password of deploy/);
    await r.paste('short\r');
    expect(r.frame()).toMatch(/at least 8 characters, please/);
    await r.paste('correct horse\r');
    expect(r.frame()).toMatch(/again › █/);
    await r.paste('correct hose\r');
    expect(r.frame()).toMatch(/the two entries differ; type the password again/);
    expect(r.frame()).toMatch(/password › █/);
    await r.type('correct horse');
    expect(r.frame()).toMatch(/password › •{13}█/);
    await r.press('enter');
    await r.type('correct horse');
    await r.press('enter');
    expect(await answer).toBe('correct horse');
    expect(r.frame()).not.toMatch(/correct|horse/);
  });

  it("the agent's unit and its account (service-user): checked as the recipe checks them, an error inline", async () => {
    const {store, r} = await wizard();
    const unit = ask(store, 'service_unit');
    await settle();
    expect(r.frame()).toMatch(/Name the agent's systemd unit/);
    await r.paste('ssh.service\r');
    expect(r.frame()).toMatch(/service_unit=ssh\.service: service_unit ssh\.service: a unit your way in/);
    await r.paste('\u007f'.repeat(11));
    await r.paste('not a unit\r');
    expect(r.frame()).toMatch(/service_unit=not a unit: /);
    await r.paste('\u007f'.repeat(10));
    await r.paste('openclaw-gateway.service\r');
    expect(await unit).toBe('openclaw-gateway.service');

    const user = ask(store, 'service_user', {service_unit: 'openclaw-gateway.service'});
    await settle();
    expect(r.frame()).toMatch(/The account openclaw-gateway\.service runs as/);
    await r.paste('root\r');
    expect(r.frame()).toMatch(/service_user=root: root is no service account/);
    await r.paste('\u007f'.repeat(4));
    await r.paste('Open Claw\r');
    expect(r.frame()).toMatch(/service_user=Open Claw: a login name: lowercase letters, digits, _ and -/);
    await r.paste('\u007f'.repeat(9));
    await r.paste('openclaw\r');
    expect(await user).toBe('openclaw');
  });

  it('Esc declines: the answer is undefined (the step is refused, nothing changed)', async () => {
    const {store, r} = await wizard();
    const answer = ask(store, 'admin_user');
    await settle();
    await r.press('escape');
    expect(await answer).toBeUndefined();
  });
});

describe('after n/Esc or a rollback: what next', () => {
  it('declined: back, skip (when nothing later needs it) or stop; ↓ Enter picks skip', async () => {
    const {store, r} = await wizard();
    const answer = store.askQuestion(
      'admin-user',
      nextMoveQuestion({title: 'fail2ban', declined: true, canSkip: true}),
    );
    await settle();
    const f = r.frame();
    expect(f).toMatch(/Not applying fail2ban: what next\?/);
    expect(f).toMatch(/Nothing of it has changed\./);
    expect(f).toMatch(/› back to the review of fail2ban/);
    expect(f).toMatch(/ {2}skip fail2ban and go on\n +nothing of it changes/);
    expect(f).toMatch(/ {2}stop the run here/);
    await r.press('down');
    await r.press('enter');
    expect(await answer).toBe('skip');
  });

  it('a step a later one needs is never offered to be skipped, and says who needs it', async () => {
    const {store, r} = await wizard();
    void store.askQuestion(
      'admin-user',
      nextMoveQuestion({
        title: 'Verify the tunnel',
        declined: true,
        canSkip: false,
        neededBy: 'Close the public ports',
      }),
    );
    await settle();
    expect(r.frame()).toMatch(/It cannot be skipped: Close the public ports needs\s+it\./);
    expect(r.frame()).not.toMatch(/skip Verify the tunnel/);
  });

  it('a blocked new port: retry, another port, skip or stop; another port is then asked and checked', async () => {
    const {store, r} = await wizard();
    const move = store.askQuestion(
      'admin-user',
      nextMoveQuestion({title: 'SSH hardening', declined: false, canSkip: true, otherPort: 2222}),
    );
    await settle();
    expect(r.frame()).toMatch(/SSH hardening was rolled back: what next\?/);
    expect(r.frame()).toMatch(/› retry SSH hardening/);
    expect(r.frame()).toMatch(/another port than 2222/);
    await r.paste('2\r');
    expect(await move).toBe('port');
    const port = ask(store, 'ssh_port', {ssh_port: 2222});
    await settle();
    expect(r.frame()).toMatch(/Port 2222 did not answer from here/);
    await r.paste('99999\r');
    expect(r.frame()).toMatch(/ssh_port=99999/);
    await r.paste('\u007f\u007f\u007f\u007f\u007f2200\r');
    expect(await port).toBe(2200);
  });
});
