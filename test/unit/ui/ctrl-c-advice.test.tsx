import {afterEach, describe, expect, it} from 'vitest';
import {App} from '../../../src/ui/app.js';
import {buildFinish} from '../../../src/ui/model/finish.js';
import {stopPlan} from '../../../src/ui/state/stop-plan.js';
import {WizardStore} from '../../../src/ui/store.js';
import {cleanup, FIXED_NOW, renderUi, settle} from '../../helpers/render.js';
import {SSH, STEPS} from './fixtures.js';

afterEach(cleanup);

describe('Ctrl-C inside a confirmation window', () => {
  it('leaves the step to its timer and says to wait until it restores it, then what to run', async () => {
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
    const deadline = new Date(2026, 10, 21, 12, 1, 40).getTime();
    store.events({type: 'step.planned', step: SSH});
    store.events({type: 'step.start', id: 'ssh-hardening'});
    store.events({type: 'timer.armed', id: 'ssh-hardening', seconds: 120, deadline});
    store.events({
      type: 'proof.start',
      id: 'ssh-hardening',
      what: 'admin logs in with a key on port 2222',
      command: 'ssh -p 2222 admin@192.0.2.10',
      deadline,
    });
    await settle();
    // What Ctrl-C means now: leave at once, the armed timer owns the step.
    const plan = stopPlan(store.getState());
    expect(plan).toEqual({kind: 'exit-timer', stepId: 'ssh-hardening', deadline});
    store.dispatch({
      type: 'ui.finish',
      finish: buildFinish({
        outcome: {kind: 'left-to-timer', stepId: 'ssh-hardening', deadline},
        before: [],
        steps: store.getState().steps,
        target: 'root@192.0.2.10',
        extraArgs: '--ssh-config /home/op/.ssh/config',
      }),
    });
    await settle();
    const f = r.frame();
    expect(f).toMatch(
      /Stopped inside the confirmation window of SSH hardening: the dead-man timer on\s+the target restores it at 12:01:40/,
    );
    expect(f).toMatch(/Wait +until 12:01:40: the step is live until its timer restores it/);
    expect(f).toMatch(/Check +portcullis status root@192\.0\.2\.10 --ssh-config \/home\/op\/\.ssh\/config\n/);
    expect(f).toMatch(/Again +portcullis root@192\.0\.2\.10 --ssh-config \/home\/op\/\.ssh\/config --break-lock/);
    // The order tells the truth: the wait comes before what to run.
    expect(f.indexOf('Wait ')).toBeLessThan(f.indexOf('Check '));
  });
});
