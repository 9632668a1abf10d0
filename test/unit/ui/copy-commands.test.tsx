import {afterEach, describe, expect, it} from 'vitest';
import {App} from '../../../src/ui/app.js';
import {buildFinish} from '../../../src/ui/model/finish.js';
import {WizardStore} from '../../../src/ui/store.js';
import {cleanup, FIXED_NOW, renderUi, settle} from '../../helpers/render.js';
import {planned} from './fixtures.js';

afterEach(cleanup);

const CONFIG = '/var/tmp/portcullis-sandbox/pc6c43c9/laptop/.ssh/config';
const CONF = '/var/tmp/portcullis-sandbox/pc6c43c9/laptop/.local/state/portcullis/wireguard/vps-admin.conf';
const STEPS = [
  {id: 'preflight', title: 'Preflight', risk: 'safe' as const},
  {id: 'verify-tunnel', title: 'Verify the tunnel', risk: 'safe' as const},
];

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

describe('commands meant to be copied are printed whole, on one row', () => {
  it('the wg-quick command, longer than the terminal: whole in the log above, named in the live screen', async () => {
    const {store, r} = await wizard();
    const what = 'admin logs in through the tunnel (ssh admin@10.66.0.1)';
    store.events({
      type: 'step.planned',
      step: {
        ...planned('verify-tunnel', 'safe', [{kind: 'proof', route: {user: 'admin', host: '10.66.0.1'}, what}]),
        title: 'Verify the tunnel',
      },
    });
    store.events({type: 'step.start', id: 'verify-tunnel'});
    store.events({
      type: 'proof.start',
      id: 'verify-tunnel',
      what,
      command: 'ssh admin@10.66.0.1',
      tunnel: {confPath: CONF, localIface: 'pcw1a2b3c4d', connect: false, deadline: FIXED_NOW + 97_000},
    });
    await settle();
    const rows = r.frame().split('\n');
    expect(rows).toContain(`    sudo wg-quick up ${CONF}`);
    // And the command that draws the QR code elsewhere, named in the QR view.
    expect(rows).toContain(`    qrencode -t ansiutf8 -m 2 < ${CONF}`);
    expect(r.frame()).toMatch(/\(the qrencode command printed just above\)/);
    // The wait, once the operator leaves the QR view.
    await r.press('enter');
    expect(r.frame()).toMatch(/the command printed just above \(one line, to copy whole\)/);
    expect(r.frame()).not.toMatch(/↪/);
    // Printed once, however often the live screen redraws.
    store.events({type: 'proof.progress', id: 'verify-tunnel', what, stage: 'handshake', message: 'handshake seen'});
    await settle();
    expect(r.frame().split(`sudo wg-quick up ${CONF}`).length - 1).toBe(1);
  });

  it('Way in, Journal, Undo and Check on the finish screen, each whole on its row', async () => {
    const {store, r} = await wizard();
    const journal =
      '/var/tmp/portcullis-sandbox/pc6c43c9/laptop/.local/state/portcullis/root@192.0.2.10:22/journal.jsonl';
    store.dispatch({
      type: 'ui.finish',
      finish: buildFinish({
        outcome: {kind: 'failed', message: 'x'},
        before: [],
        journal,
        steps: store.getState().steps,
        target: 'root@192.0.2.10',
        extraArgs: `--ssh-config ${CONFIG}`,
      }),
    });
    await settle();
    const rows = r.frame().split('\n');
    expect(rows).toContain(`Journal  ${journal}`);
    expect(rows).toContain(`Check    portcullis status root@192.0.2.10 --ssh-config ${CONFIG}`);
    expect(r.frame()).not.toMatch(/↪/);
  });
});

describe('a proven way in is said once', () => {
  it('a proof whose words hold the command gets the time only', async () => {
    const {store, r} = await wizard();
    const what = 'admin logs in through the tunnel (ssh admin@10.66.0.1)';
    store.events({
      type: 'step.planned',
      step: {
        ...planned('verify-tunnel', 'safe', [{kind: 'proof', route: {user: 'admin', host: '10.66.0.1'}, what}]),
        title: 'Verify the tunnel',
      },
    });
    store.events({type: 'step.start', id: 'verify-tunnel'});
    store.events({type: 'proof.start', id: 'verify-tunnel', what, command: 'ssh admin@10.66.0.1'});
    store.events({type: 'proof.ok', id: 'verify-tunnel', what, ms: 420});
    store.events({type: 'step.done', id: 'verify-tunnel', changed: 0, ms: 900});
    await settle();
    expect(r.frame()).toMatch(/✔ proven: admin logs in through the tunnel \(ssh admin@10\.66\.0\.1\) \(420\s+ms\)/);
    expect(r.frame().split('ssh admin@10.66.0.1').length - 1).toBe(1);
  });
});
