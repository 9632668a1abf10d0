import {afterEach, describe, expect, it, vi} from 'vitest';
import {StepReview} from '../../../src/ui/components/step-review.js';
import {newStep} from '../../../src/ui/state/run-reducer.js';
import type {StepView} from '../../../src/ui/state/types.js';
import {cleanup, renderUi} from '../../helpers/render.js';
import {ADMIN, SSH} from './fixtures.js';

afterEach(cleanup);

const view = (p: typeof SSH): StepView => ({
  ...newStep(p.id, p.title, p.risk),
  status: 'waiting',
  planned: p,
  values: [{name: 'port', value: '2222'}],
});

async function review(
  p: typeof SSH,
  o: {rows?: number; columns?: number; color?: boolean; acceptAfterMs?: number} = {},
) {
  const onAnswer = vi.fn();
  const step = view(p);
  const r = await renderUi(
    <StepReview
      steps={[step]}
      step={step}
      host="192.0.2.10"
      width={o.columns ?? 80}
      height={(o.rows ?? 24) - 1}
      acceptAfterMs={o.acceptAfterMs ?? 0}
      onAnswer={onAnswer}
    />,
    o,
  );
  return {...r, onAnswer};
}

describe('StepReview', () => {
  it('shows why, risk, undo, values and the plan, with a key legend, within 80x24', async () => {
    const r = await review(SSH);
    const rows = r.rows();
    expect(rows[0]).toMatch(/1\/1 SSH hardening waiting for you · can cut access/);
    expect(r.frame()).toMatch(/Why +Why ssh-hardening matters\./);
    expect(r.frame()).toMatch(/Risk +can cut your access: runs under a 120 s dead-man timer/);
    expect(r.frame()).toMatch(/Undo +How ssh-hardening is undone\./);
    expect(r.frame()).toMatch(/Values +port=2222/);
    expect(r.frame()).toMatch(/↑↓ PgUp PgDn scroll · host\+Enter apply · Esc not now · Ctrl-C stop/);
    expect(rows.length).toBeLessThanOrEqual(23);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(80);
  });

  it('scrolls the plan with the arrows and PgDn, and says where it is', async () => {
    const r = await review(SSH, {rows: 16});
    expect(r.frame()).toMatch(/── lines 1–9 of \d+ · ↓\/PgDn for more ──/);
    expect(r.frame()).not.toMatch(/\+Port 2222/);
    await r.press('pageDown');
    expect(r.frame()).toMatch(/\+Port 2222/);
    expect(r.frame()).toMatch(/↑\/PgUp back/);
    await r.press('up');
    await r.press('pageUp');
    expect(r.frame()).toMatch(/── lines 1–9 of/);
  });

  it('reversible: y applies, n declines', async () => {
    const a = await review(ADMIN);
    expect(a.frame()).toMatch(/Apply "Admin user"\? y\/Enter: apply · n\/Esc: not now \(skip it or stop\)/);
    await a.type('y');
    expect(a.onAnswer).toHaveBeenCalledWith(true);
    cleanup();
    const b = await review(ADMIN);
    await b.type('n');
    expect(b.onAnswer).toHaveBeenCalledWith(false);
  });

  it('reversible: an approval right after the screen appears is ignored (a stray second Enter)', async () => {
    const r = await review(ADMIN, {acceptAfterMs: 150});
    await r.press('enter');
    expect(r.onAnswer).not.toHaveBeenCalled();
    await new Promise((res) => setTimeout(res, 200));
    await r.press('enter');
    expect(r.onAnswer).toHaveBeenCalledWith(true);
  });

  it('lockout: y and Enter do nothing; a wrong host name is refused and cleared; the right one applies', async () => {
    const r = await review(SSH);
    expect(r.frame()).toMatch(/Type 192\.0\.2\.10 \+ Enter to apply \(120 s dead-man timer\) · Esc: not now/);
    await r.type('y');
    await r.press('enter');
    expect(r.onAnswer).not.toHaveBeenCalled();
    expect(r.frame()).toMatch(/✘ "y" is not 192\.0\.2\.10; nothing was applied/);
    await r.type('192.0.2.1');
    expect(r.frame()).toMatch(/host name › 192\.0\.2\.1█/);
    await r.press('backspace');
    await r.press('backspace');
    await r.type('.11');
    await r.press('enter');
    expect(r.onAnswer).not.toHaveBeenCalled();
    expect(r.frame()).toMatch(/"192\.0\.2\.11" is not 192\.0\.2\.10/);
    expect(r.frame()).toMatch(/host name › █/);
    await r.type('192.0.2.10');
    await r.press('enter');
    expect(r.onAnswer).toHaveBeenCalledWith(true);
  });

  it('lockout: a pasted host name and Enter in one chunk apply (no stale value)', async () => {
    const r = await review(SSH);
    await r.paste('192.0.2.10\r');
    expect(r.onAnswer).toHaveBeenCalledWith(true);
  });

  it('lockout: Esc stops before the step', async () => {
    const r = await review(SSH);
    await r.type('192');
    await r.press('escape');
    expect(r.onAnswer).toHaveBeenCalledWith(false);
  });

  it('colours the diff when colour is on, and has no escape codes when it is off', async () => {
    const colored = await review(SSH, {rows: 60, color: true});
    expect(colored.frame()).toContain('\u001b[32m     +Port 2222');
    expect(colored.frame()).toContain('\u001b[31m     -Port 22');
    cleanup();
    const plain = await review(SSH, {rows: 60});
    expect(plain.frame()).not.toContain('\u001b[');
    expect(plain.frame()).toContain('     +Port 2222');
  });
});
