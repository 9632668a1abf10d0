import {afterEach, describe, expect, it} from 'vitest';
import {QuestionScreen} from '../../../src/ui/components/question-screen.js';
import {StepResult} from '../../../src/ui/components/step-result.js';
import {buildFinish} from '../../../src/ui/model/finish.js';
import {finishLines} from '../../../src/ui/model/finish-lines.js';
import {nextMoveQuestion} from '../../../src/ui/model/questions.js';
import {newStep} from '../../../src/ui/state/run-reducer.js';
import type {StepView} from '../../../src/ui/state/types.js';
import {cleanup, renderUi} from '../../helpers/render.js';
import {planned} from './fixtures.js';

afterEach(cleanup);

const WHAT = 'admin logs in through the tunnel (ssh admin@10.66.0.1)';
/** verify-tunnel whose proof failed: the engine's words for a read-only step (runbook.ts). */
const notProven: StepView = {
  ...newStep('verify-tunnel', 'Verify the tunnel', 'safe'),
  status: 'rolled-back',
  planned: {
    ...planned('verify-tunnel', 'safe', [{kind: 'proof', route: {user: 'admin', host: '10.66.0.1'}, what: WHAT}]),
    title: 'Verify the tunnel',
  },
  proofs: [{what: WHAT, command: 'ssh admin@10.66.0.1', state: 'failed', reason: 'no handshake within 900 s'}],
  reason:
    'could not prove admin logs in through the tunnel: no handshake within 900 s; this step changes nothing on the server, so there was nothing to restore',
};

describe('a read-only step whose proof failed (verify-tunnel) never claims it rolled anything back', () => {
  it('its result says not proven, and that there was nothing to restore', async () => {
    const r = await renderUi(<StepResult step={notProven} width={80} />);
    const f = r.frame();
    expect(f).toMatch(/^✘ Verify the tunnel not proven \(it changes nothing\)/);
    expect(f.replace(/\s+/g, ' ')).toMatch(/so there was nothing to restore/);
    expect(f).not.toMatch(/rolled back|has been restored/);
  });

  it('what next: "did not prove it", nothing to restore; retry, skip or stop', async () => {
    const q = nextMoveQuestion({title: 'Verify the tunnel', declined: false, canSkip: true, readOnly: true});
    const r = await renderUi(
      <QuestionScreen steps={[notProven]} step={notProven} question={q} width={80} onAnswer={() => undefined} />,
    );
    const f = r.frame();
    expect(f).toMatch(/Verify the tunnel did not prove it: what next\?/);
    expect(f).toMatch(/It changes nothing on the server: there was nothing to restore\./);
    expect(f).toMatch(/retry Verify the tunnel/);
    expect(f).not.toMatch(/rolled back|has been restored/);
    // A step that changes things still says it was rolled back and restored.
    const lockout = nextMoveQuestion({title: 'SSH hardening', declined: false, canSkip: false});
    expect(lockout.title).toBe('SSH hardening was rolled back: what next?');
  });

  it('the finish screen: did not prove it, changes nothing on the server', () => {
    const f = buildFinish({
      outcome: {kind: 'failed', message: 'x'},
      before: [],
      steps: [notProven],
      target: 'root@h',
      extraArgs: '',
    });
    const text = finishLines(f, [notProven], 'root@h', 80)
      .map((l) => l.text)
      .join(' ');
    expect(text).toMatch(
      /Not done: Verify the tunnel did not prove it \(why: above\); it changes nothing on the server\./,
    );
    expect(text).not.toMatch(/rolled back|is restored/);
  });
});
