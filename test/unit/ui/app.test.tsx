import {afterEach, describe, expect, it, vi} from 'vitest';
import {App} from '../../../src/ui/app.js';
import {buildFinish} from '../../../src/ui/model/finish.js';
import {WizardStore} from '../../../src/ui/store.js';
import {cleanup, FIXED_NOW, renderUi, settle} from '../../helpers/render.js';
import {ADMIN, exposure, SSH, STEPS} from './fixtures.js';

afterEach(cleanup);

const PREFLIGHT = {
  platform: 'Debian GNU/Linux 12 (bookworm) · systemd · apt',
  ssh: 'OpenSSH_9.2 · ssh',
  you: 'root from 192.0.2.20 with a key',
  firewall: 'no active firewall',
  listeners: [{key: '0.0.0.0:8080/tcp', process: 'python3', state: 'exposed' as const}],
  notes: [],
};
const BEFORE = [exposure('0.0.0.0', 22, 'sshd', false), exposure('0.0.0.0', 8080, 'python3', true)];

function wizard() {
  return new WizardStore({
    label: 'root@192.0.2.10',
    host: '192.0.2.10',
    recipe: 'fresh-vps',
    banner: 'portcullis 0.1.0 · recipe fresh-vps · root@192.0.2.10',
    startedAt: FIXED_NOW,
    steps: STEPS,
  });
}

/** The engine's side of a run, as events into the store: what applyRunbook emits. */
async function preflightDone(store: WizardStore) {
  store.dispatch({type: 'ui.connected', preflight: PREFLIGHT});
  store.events({type: 'facts', summary: 'Debian 12'});
  store.events({
    type: 'step.planned',
    step: {
      ...ADMIN,
      id: 'preflight',
      title: 'Preflight',
      risk: 'safe',
      plan: {actions: [], findings: [], onRollback: []},
      diffs: [],
    },
  });
  store.events({
    type: 'finding',
    id: 'preflight',
    finding: {level: 'warn', message: 'python3 listens on 0.0.0.0:8080/tcp'},
  });
  store.events({type: 'step.compliant', id: 'preflight'});
  await settle();
}

describe('the wizard, keyboard flow', () => {
  it('connects, shows preflight, takes consent per risk, shows the window, a rollback and the finish', async () => {
    const store = wizard();
    const r = await renderUi(<App store={store} acceptAfterMs={0} />);
    expect(r.frame()).toMatch(
      /portcullis 0\.1\.0 · recipe fresh-vps · root@192\.0\.2\.10\n.*connecting to root@192\.0\.2\.10/,
    );

    await preflightDone(store);
    expect(r.frame()).toMatch(/Found on 192\.0\.2\.10/);
    expect(r.frame()).toMatch(/Findings ! python3 listens/);
    expect(r.frame()).toMatch(/Runbook: 1 Preflight ✔ · 2 Admin user · 3 SSH hardening/);

    const go = store.waitForContinue();
    await r.press('enter');
    expect(await go).toBe(true);

    // Admin user: reversible, one key.
    store.events({type: 'step.planned', step: ADMIN});
    const adminOk = store.askConsent(ADMIN);
    await settle();
    expect(r.frame()).toMatch(/2\/3 Admin user waiting for you · reversible/);
    expect(r.frame()).toMatch(/Apply "Admin user"\?/);
    await r.type('y');
    expect(await adminOk).toBe(true);
    store.events({type: 'step.start', id: 'admin-user'});
    store.events({type: 'action.start', id: 'admin-user', index: 0, summary: 'create the user admin'});
    store.events({
      type: 'proof.start',
      id: 'admin-user',
      what: 'admin logs in with the key',
      command: 'ssh admin@192.0.2.10',
    });
    await settle();
    expect(r.frame()).toMatch(/proving admin logs in with the key with a fresh connection/);
    store.events({type: 'proof.ok', id: 'admin-user', what: 'admin logs in with the key', ms: 280});
    store.events({type: 'step.done', id: 'admin-user', changed: 2, ms: 3100});
    await settle();
    // Finished steps are printed once, above the live region.
    expect(r.frame()).toMatch(
      /✔ Admin user done\n +2 change\(s\) in 3\.1 s\n +✔ proven: admin logs in with the key \(ssh admin@192\.0\.2\.10, 280 ms\)/,
    );
    expect(r.frame()).toMatch(/planning SSH hardening/);

    // SSH hardening: lockout, the host name typed out.
    store.events({type: 'step.planned', step: SSH});
    const sshOk = store.askConsent(SSH);
    await settle();
    expect(r.frame()).toMatch(/3\/3 SSH hardening waiting for you · can cut access/);
    await r.type('y');
    await r.press('enter');
    expect(r.frame()).toMatch(/"y" is not 192\.0\.2\.10/);
    await r.type('192.0.2.10');
    await r.press('enter');
    expect(await sshOk).toBe(true);

    store.events({type: 'step.start', id: 'ssh-hardening'});
    store.events({type: 'action.start', id: 'ssh-hardening', index: 0, summary: 'arm'});
    store.events({type: 'timer.armed', id: 'ssh-hardening', seconds: 120, deadline: FIXED_NOW + 94_000});
    store.events({type: 'output', id: 'ssh-hardening', line: 'Reloading ssh.service'});
    store.events({
      type: 'proof.start',
      id: 'ssh-hardening',
      what: 'admin logs in with a key on port 2222',
      command: 'ssh -p 2222 admin@192.0.2.10',
      deadline: FIXED_NOW + 94_000,
    });
    await settle();
    expect(r.frame()).toMatch(/ssh -p 2222 admin@192\.0\.2\.10: 94 s left, then everything rolls back/);
    expect(r.frame()).toMatch(/│ Reloading ssh\.service/);

    store.events({
      type: 'proof.failed',
      id: 'ssh-hardening',
      what: 'admin logs in with a key on port 2222',
      reason: 'port 2222 is unreachable from here',
    });
    store.events({
      type: 'step.rolled-back',
      id: 'ssh-hardening',
      reason:
        'could not prove admin logs in with a key on port 2222: port 2222 is unreachable from here; everything this step changed has been restored',
    });
    await settle();
    expect(r.frame()).toMatch(
      /↺ SSH hardening rolled back\n +could not prove admin logs in with a key on port 2222: port 2222 is\s+unreachable/,
    );
    expect(r.frame()).toMatch(/everything this step changed has been\s+restored/);

    const finish = buildFinish({
      outcome: {
        kind: 'failed',
        message: 'SSH hardening: could not prove it; everything this step changed has been restored',
      },
      before: BEFORE,
      after: BEFORE,
      journal: '/home/op/.local/state/portcullis/root@192.0.2.10:22/journal.jsonl',
      steps: store.getState().steps,
      target: 'root@192.0.2.10',
      extraArgs: '',
    });
    store.dispatch({type: 'ui.finish', finish});
    await settle();
    const f = r.frame();
    expect(f).toMatch(
      /Not done: SSH hardening was rolled back \(why: above\); everything it changed is\s+restored\. Admin user stay\(s\) applied\./,
    );
    expect(f).toMatch(/0\.0\.0\.0:8080\/tcp python3 +EXPOSED +EXPOSED/);
    expect(f).toMatch(/Way in +ssh admin@192\.0\.2\.10/);
    expect(f).toMatch(/Undo +portcullis rollback admin@192\.0\.2\.10/);
    expect(f).toMatch(/Journal +\/home\/op\/\.local\/state/);
    // The live region is gone: the finish block, printed once into <Static>, ends the output.
    await new Promise((res) => setTimeout(res, 20));
    expect(r.frame().match(/Not done:/g)).toHaveLength(1);
    expect(r.frame().trimEnd().endsWith('portcullis status admin@192.0.2.10')).toBe(true);
    expect(r.frame()).not.toMatch(/Ctrl-C/);
  });

  it('Ctrl-C asks to stop on every screen; q too while a step runs, not while typing a host name', async () => {
    const store = wizard();
    const onStop = vi.fn();
    store.onStop(onStop);
    const r = await renderUi(<App store={store} acceptAfterMs={0} />);
    await r.press('ctrlC');
    expect(onStop).toHaveBeenCalledTimes(1);

    await preflightDone(store);
    void store.waitForContinue();
    await r.press('enter');
    store.events({type: 'step.planned', step: SSH});
    void store.askConsent(SSH);
    await settle();
    await r.type('q');
    expect(onStop).toHaveBeenCalledTimes(1);
    expect(r.frame()).toMatch(/host name › q█/);
    await r.press('ctrlC');
    expect(onStop).toHaveBeenCalledTimes(2);
  });

  it('a declined step is printed as stopped-before, and the run screen moves on', async () => {
    const store = wizard();
    const r = await renderUi(<App store={store} acceptAfterMs={0} />);
    await preflightDone(store);
    void store.waitForContinue();
    await r.press('enter');
    store.events({type: 'step.planned', step: ADMIN});
    const ok = store.askConsent(ADMIN);
    await settle();
    await r.press('escape');
    expect(await ok).toBe(false);
    expect(r.frame()).toMatch(/■ Admin user stopped before it\n +nothing of this step was changed/);
  });

  it('asks for the sudo password inside Ink, masked', async () => {
    const store = wizard();
    const r = await renderUi(<App store={store} />);
    const pw = store.askSecret('sudo on 192.0.2.10 wants a password (it is not stored):');
    await settle();
    expect(r.frame()).toMatch(/sudo on 192\.0\.2\.10 wants a password/);
    await r.paste('admin-pw\r');
    expect(await pw).toBe('admin-pw');
    expect(r.frame()).not.toMatch(/admin-pw/);
    expect(r.frame()).toMatch(/connecting to/);
  });
});
