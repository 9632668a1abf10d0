import {afterEach, describe, expect, it, vi} from 'vitest';
import {ApplyProgress} from '../../../src/ui/components/apply-progress.js';
import {ConnectingScreen} from '../../../src/ui/components/connecting-screen.js';
import {PreflightScreen} from '../../../src/ui/components/preflight-screen.js';
import {SecretPrompt} from '../../../src/ui/components/secret-prompt.js';
import {listenerViews, type PreflightInfo} from '../../../src/ui/model/preflight-info.js';
import {newStep, runReducer} from '../../../src/ui/state/run-reducer.js';
import type {StepView} from '../../../src/ui/state/types.js';
import {cleanup, FIXED_NOW, renderUi} from '../../helpers/render.js';
import {exposure, SSH, STEPS} from './fixtures.js';

afterEach(cleanup);

const INFO: PreflightInfo = {
  platform: 'Debian GNU/Linux 12 (bookworm) · systemd · apt',
  ssh: 'OpenSSH_9.2 · ssh',
  you: 'root from 192.0.2.20 with a key (SHA256:wAKa8hmCaSeP…)',
  firewall: 'no active firewall',
  listeners: listenerViews([
    exposure('0.0.0.0', 22, 'sshd', false),
    exposure('0.0.0.0', 8080, 'python3', true),
    exposure('127.0.0.1', 25, 'exim4', false, false),
  ]),
  notes: [],
};

describe('ConnectingScreen', () => {
  it('says where it connects and what it does, with the elapsed time once it is slow', async () => {
    const r = await renderUi(
      <ConnectingScreen label="root@192.0.2.10:22" note="reading the platform" since={FIXED_NOW - 5000} width={80} />,
    );
    expect(r.frame()).toMatch(/connecting to root@192\.0\.2\.10:22/);
    expect(r.frame()).toMatch(/reading the platform · 5 s/);
    expect(r.frame()).toMatch(/Ctrl-C quit \(nothing has changed\)/);
  });
});

describe('PreflightScreen', () => {
  const steps = STEPS.map((s) => newStep(s.id, s.title, s.risk));
  const findings = [{level: 'warn' as const, message: 'python3 listens on 0.0.0.0:8080/tcp, reachable from anywhere'}];

  it('shows the platform, the way in, what is exposed first, findings and the runbook', async () => {
    const r = await renderUi(
      <PreflightScreen
        host="192.0.2.10"
        info={INFO}
        steps={steps}
        findings={findings}
        width={80}
        height={23}
        onContinue={() => {}}
      />,
    );
    const f = r.frame();
    expect(f).toMatch(/Found on 192\.0\.2\.10/);
    expect(f).toMatch(/Platform Debian GNU\/Linux 12/);
    expect(f).toMatch(/You +root from 192\.0\.2\.20 with a key/);
    expect(f).toMatch(
      /Sockets +EXPOSED +0\.0\.0\.0:8080\/tcp +python3\n +open +0\.0\.0\.0:22\/tcp +sshd\n +local +127\.0\.0\.1:25/,
    );
    expect(f).toMatch(/Findings ! python3 listens/);
    expect(f).toMatch(/Runbook: 1 Preflight · 2 Admin user · 3 SSH hardening/);
    expect(f).toMatch(/Enter review the first change · q\/Esc quit, nothing changed/);
  });

  it('the whole fresh-vps runbook is there, wrapped, never cut ("5 f…"), within 80x24', async () => {
    const titles = [
      'Preflight',
      'Admin user',
      'SSH hardening',
      'Host firewall',
      'fail2ban',
      'WireGuard',
      'Verify the tunnel',
      'Close the public ports',
    ];
    const all = titles.map((t, i) => newStep(`s${i}`, t, 'safe'));
    const r = await renderUi(
      <PreflightScreen
        host="192.0.2.10"
        info={INFO}
        steps={all}
        findings={[]}
        width={80}
        height={23}
        onContinue={() => {}}
      />,
    );
    const joined = r.frame().replace(/\n +/g, ' ');
    expect(joined).toMatch(/Runbook: 1 Preflight · 2 Admin user · .* · 8 Close the public ports/);
    expect(r.frame()).not.toMatch(/Runbook:.*…/);
    expect(r.rows().length).toBeLessThanOrEqual(23);
    for (const row of r.rows()) expect(row.length).toBeLessThanOrEqual(80);
  });

  it('cuts a long list to the terminal and says how much more there is', async () => {
    const many = {
      ...INFO,
      listeners: listenerViews(Array.from({length: 30}, (_, i) => exposure('0.0.0.0', 9000 + i, 'svc', true))),
    };
    const r = await renderUi(
      <PreflightScreen host="h" info={many} steps={steps} findings={[]} width={80} height={15} onContinue={() => {}} />,
      {rows: 16},
    );
    expect(r.rows().length).toBeLessThanOrEqual(15);
    expect(r.frame()).toMatch(/… \d+ more line\(s\), printed in full when you go on/);
  });

  it('Enter goes on; q quits', async () => {
    const onContinue = vi.fn();
    const r = await renderUi(
      <PreflightScreen
        host="h"
        info={INFO}
        steps={steps}
        findings={[]}
        width={80}
        height={23}
        onContinue={onContinue}
      />,
    );
    await r.press('enter');
    await r.type('q');
    expect(onContinue.mock.calls).toEqual([[true], [false]]);
  });
});

function applying(events: Parameters<typeof runReducer>[1][]): StepView {
  const steps = events.reduce(runReducer, [newStep('ssh-hardening', 'SSH hardening', 'lockout')]);
  return steps[0] as StepView;
}

describe('ApplyProgress', () => {
  const started = [
    {type: 'step.planned' as const, step: SSH},
    {type: 'step.start' as const, id: 'ssh-hardening'},
    {type: 'action.start' as const, id: 'ssh-hardening', index: 0, summary: 'arm'},
    {type: 'timer.armed' as const, id: 'ssh-hardening', seconds: 120, deadline: FIXED_NOW + 94_000},
    ...Array.from({length: 12}, (_, i) => ({type: 'output' as const, id: 'ssh-hardening', line: `apt line ${i}`})),
  ];

  it('shows the actions, the last 8 output lines and, in the window, the countdown with the exact command', async () => {
    const step = applying([
      ...started,
      {
        type: 'proof.start',
        id: 'ssh-hardening',
        what: 'admin logs in with a key on port 2222',
        command: 'ssh -p 2222 admin@192.0.2.10',
        deadline: FIXED_NOW + 94_000,
      },
    ]);
    const r = await renderUi(<ApplyProgress steps={[step]} step={step} width={80} height={23} />);
    const f = r.frame();
    expect(f).toMatch(/1\/1 SSH hardening proving · can cut access/);
    expect(f).toMatch(/✔ arm the dead-man timer/);
    expect(f).toMatch(/▸ prove: admin logs in with a key on port 2222/);
    expect(f).toMatch(/│ apt line 11/);
    expect(f).toMatch(/│ apt line 4\n/);
    expect(f).not.toMatch(/apt line 3\n/);
    expect(f).toMatch(/proving: admin logs in with a key on port 2222\n/);
    expect(f).toMatch(/try that command from another terminal/);
    expect(f).toMatch(/ssh -p 2222 admin@192\.0\.2\.10: 94 s left, then everything rolls back/);
    expect(f).toMatch(/Ctrl-C or q stop safely \(never half-applied\)/);
    expect(r.rows().length).toBeLessThanOrEqual(23);
  });

  it('counts down as time passes', async () => {
    let now = FIXED_NOW;
    const step = applying(started);
    const r = await renderUi(<ApplyProgress steps={[step]} step={step} width={80} height={23} />, {now: () => now});
    expect(r.frame()).toMatch(/94 s left/);
    now += 3000;
    await vi.waitFor(() => expect(r.frame()).toMatch(/91 s left/), {timeout: 2500});
  });

  it('while stopping, says what it waits for', async () => {
    const step = applying(started);
    const r = await renderUi(
      <ApplyProgress
        steps={[step]}
        step={step}
        stopping={{kind: 'wait-segment', stepId: 'ssh-hardening', deadline: FIXED_NOW + 94_000}}
        width={80}
        height={23}
      />,
    );
    expect(r.frame()).toMatch(
      /■ Stopping: the commands in flight finish, then the dead-man timer restores SSH\nhardening at \d\d:\d\d:\d\d/,
    );
    expect(r.frame()).toMatch(/Ctrl-C or q stopping…/);
  });

  it('fits a narrow, short terminal', async () => {
    const step = applying(started);
    const r = await renderUi(<ApplyProgress steps={[step]} step={step} width={60} height={15} />, {
      columns: 60,
      rows: 16,
    });
    expect(r.rows().length).toBeLessThanOrEqual(15);
    for (const row of r.rows()) expect(row.length).toBeLessThanOrEqual(60);
    expect(r.frame()).toMatch(/94 s left/);
  });
});

describe('SecretPrompt', () => {
  it('masks what is typed and sends it on Enter', async () => {
    const onAnswer = vi.fn();
    const r = await renderUi(<SecretPrompt message="sudo on h wants a password" width={80} onAnswer={onAnswer} />);
    await r.type('admin-pw');
    expect(r.frame()).toMatch(/› ••••••••█/);
    expect(r.frame()).not.toMatch(/admin-pw/);
    await r.press('enter');
    expect(onAnswer).toHaveBeenCalledWith('admin-pw');
  });

  it('a pasted password with its Enter is sent whole; Esc declines', async () => {
    const onAnswer = vi.fn();
    const r = await renderUi(<SecretPrompt message="m" width={80} onAnswer={onAnswer} />);
    await r.paste('s3cr3t\r');
    expect(onAnswer).toHaveBeenCalledWith('s3cr3t');
    cleanup();
    const esc = vi.fn();
    const e = await renderUi(<SecretPrompt message="m" width={80} onAnswer={esc} />);
    await e.press('escape');
    expect(esc).toHaveBeenCalledWith(undefined);
  });
});
