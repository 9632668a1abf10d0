import {describe, expect, it} from 'vitest';
import type {Finish, WizardState} from '../../../src/ui/state/types.js';
import {initialState, type WizardAction, wizardReducer} from '../../../src/ui/state/wizard-reducer.js';
import {ADMIN, SSH, STEPS} from './fixtures.js';

const init = () =>
  initialState({
    label: 'root@192.0.2.10',
    host: '192.0.2.10',
    recipe: 'fresh-vps',
    steps: STEPS,
    banner: 'b',
    startedAt: 0,
  });
const fold = (actions: WizardAction[], s: WizardState = init()) => actions.reduce(wizardReducer, s);
const PREFLIGHT = {platform: 'Debian 12', ssh: 'OpenSSH_9.2', you: 'root', firewall: 'none', listeners: [], notes: []};
const preflightDone: WizardAction[] = [
  {type: 'ui.connected', preflight: PREFLIGHT},
  {type: 'finding', id: 'preflight', finding: {level: 'warn', message: 'python3 exposed'}},
  {type: 'step.compliant', id: 'preflight'},
];
const FINISH: Finish = {
  outcome: {kind: 'applied', changed: 2},
  exposures: [],
  exposuresAfterKnown: true,
  artifacts: [],
};

describe('wizardReducer', () => {
  it('says once, in the static log, which packages download ahead and that nothing is installed before consent', () => {
    const s = fold([
      ...preflightDone,
      {type: 'ui.continue'},
      {type: 'packages.ahead', mode: 'download', packages: ['ufw', 'fail2ban']},
    ]);
    const note = s.log.at(-1);
    expect(note?.kind).toBe('note');
    expect(note?.kind === 'note' && note.text).toBe(
      "downloading ahead, in the background on the server: ufw, fail2ban (apt's cache only: nothing is installed before you say yes to its step)",
    );
  });

  it('starts on the connecting screen with the banner in the static log', () => {
    const s = init();
    expect(s.phase).toBe('connecting');
    expect(s.log.map((i) => i.kind)).toEqual(['banner']);
  });

  it('holds steps finished under the preflight screen, then prints preflight first and them after', () => {
    const s = fold(preflightDone);
    expect(s.phase).toBe('preflight');
    expect(s.held).toEqual(['preflight']);
    expect(s.log.map((i) => i.key)).toEqual(['banner']);
    const r = wizardReducer(s, {type: 'ui.continue'});
    expect(r.phase).toBe('run');
    expect(r.log.map((i) => i.key)).toEqual(['banner', 'preflight', 'step:preflight']);
    const pre = r.log[1];
    expect(pre?.kind === 'preflight' && pre.findings.map((f) => f.message)).toEqual(['python3 exposed']);
    const step = r.log[2];
    expect(step?.kind === 'step' && step.quiet).toBe(true);
  });

  it('marks the asked step as waiting; a decline logs it once as stopped-before', () => {
    let s = fold([...preflightDone, {type: 'ui.continue'}, {type: 'step.planned', step: ADMIN}]);
    s = wizardReducer(s, {type: 'ui.ask', ask: {kind: 'consent', stepId: 'admin-user'}});
    expect(s.steps[1]?.status).toBe('waiting');
    s = wizardReducer(s, {type: 'ui.answered', ok: false});
    expect(s.ask).toBeUndefined();
    expect(s.steps[1]?.status).toBe('declined');
    expect(s.log.filter((i) => i.key === 'step:admin-user')).toHaveLength(1);
  });

  it('an approval only clears the question; the engine events move the step on', () => {
    let s = fold([...preflightDone, {type: 'ui.continue'}, {type: 'step.planned', step: ADMIN}]);
    s = wizardReducer(s, {type: 'ui.ask', ask: {kind: 'consent', stepId: 'admin-user'}});
    s = wizardReducer(s, {type: 'ui.answered', ok: true});
    expect(s.ask).toBeUndefined();
    expect(s.steps[1]?.status).toBe('waiting');
    s = wizardReducer(s, {type: 'step.start', id: 'admin-user'});
    expect(s.steps[1]?.status).toBe('applying');
  });

  it('finish during the run marks unreached steps as not run and appends the finish block last', () => {
    const s = fold([...preflightDone, {type: 'ui.continue'}, {type: 'ui.finish', finish: FINISH}]);
    expect(s.phase).toBe('finished');
    expect(s.steps.map((x) => x.status)).toEqual(['compliant', 'not-run', 'not-run']);
    expect(s.log.map((i) => i.key)).toEqual([
      'banner',
      'preflight',
      'step:preflight',
      'step:admin-user',
      'step:ssh-hardening',
      'finish',
    ]);
  });

  it('a step left inside its window is logged as left to its dead-man timer', () => {
    const s = fold([
      ...preflightDone,
      {type: 'ui.continue'},
      {type: 'step.planned', step: ADMIN},
      {type: 'step.start', id: 'admin-user'},
      {type: 'ui.finish', finish: {...FINISH, outcome: {kind: 'left-to-timer', stepId: 'admin-user', deadline: 5}}},
    ]);
    expect(s.steps.map((x) => x.status)).toEqual(['compliant', 'left-to-timer', 'not-run']);
    expect(s.log.map((i) => i.key)).toContain('step:admin-user');
  });

  it('finish before the run screen (refused, unreachable) lists no unreached steps', () => {
    const refused = fold([
      {type: 'ui.connected', preflight: PREFLIGHT},
      {type: 'step.failed', id: 'preflight', reason: "sshd's configuration is already broken"},
      {type: 'ui.finish', finish: {...FINISH, outcome: {kind: 'failed', message: 'refused'}}},
    ]);
    expect(refused.log.map((i) => i.key)).toEqual(['banner', 'preflight', 'step:preflight', 'finish']);
    const unreachable = fold([{type: 'ui.finish', finish: {...FINISH, outcome: {kind: 'failed', message: 'x'}}}]);
    expect(unreachable.log.map((i) => i.key)).toEqual(['banner', 'finish']);
  });

  it("prints a step's files under it once it is printed, with the QR code for its first client config only", () => {
    const conf = '/home/op/.local/state/portcullis/wireguard/vps-admin.conf';
    const other = '/home/op/.local/state/portcullis/wireguard/vps-bob.conf';
    const rows = ['█▀▀█', '▀▀▀▀'];
    let s = fold([...preflightDone, {type: 'ui.continue'}, {type: 'step.planned', step: ADMIN}]);
    s = fold(
      [
        {type: 'step.start', id: 'admin-user'},
        {type: 'step.done', id: 'admin-user', changed: 1, ms: 10},
        {type: 'ui.qr', path: conf, rows},
        {type: 'ui.qr', path: other, rows},
        {type: 'artifact', id: 'admin-user', path: conf, kind: 'client-config'},
        {type: 'artifact', id: 'admin-user', path: other, kind: 'client-config'},
        {type: 'artifact', id: 'admin-user', path: '/home/op/evidence/vps-1', kind: 'file'},
      ],
      s,
    );
    expect(s.log.map((i) => i.key)).toEqual([
      'banner',
      'preflight',
      'step:preflight',
      'step:admin-user',
      'artifact:admin-user:1',
      'artifact:admin-user:2',
      'artifact:admin-user:3',
    ]);
    const items = s.log.flatMap((i) => (i.kind === 'artifacts' ? i.artifacts : []));
    expect(items).toEqual([
      {path: conf, kind: 'client-config', qr: rows},
      {path: other, kind: 'client-config'},
      {path: '/home/op/evidence/vps-1', kind: 'file'},
    ]);
    expect(s.steps[1]?.artifacts.map((a) => a.path)).toEqual([conf, other, '/home/op/evidence/vps-1']);
    // The codes are drawn for the screen and kept by path, also for the tunnel screen later.
    expect(s.qr[conf]).toEqual(rows);
    expect(wizardReducer(s, {type: 'ui.qr', path: '/x.conf', rows: null}).qr['/x.conf']).toBeNull();
  });

  it('a file written while its step is held under the preflight screen is printed with the step', () => {
    const conf = '/home/op/wg/vps-admin.conf';
    const s = fold([
      ...preflightDone,
      {type: 'ui.qr', path: conf, rows: ['▀']},
      {type: 'artifact', id: 'preflight', path: conf, kind: 'client-config'},
    ]);
    expect(s.log.map((i) => i.key)).toEqual(['banner']);
    const r = wizardReducer(s, {type: 'ui.continue'});
    expect(r.log.map((i) => i.key)).toEqual(['banner', 'preflight', 'step:preflight']);
    const step = r.log[2];
    expect(step?.kind === 'step' && step.step.artifacts).toEqual([{path: conf, kind: 'client-config', qr: ['▀']}]);
  });

  it('a file for a step it does not know changes nothing', () => {
    const s = fold(preflightDone);
    expect(wizardReducer(s, {type: 'artifact', id: 'nope', path: '/x', kind: 'file'})).toBe(s);
  });

  it('a secret question overrides the screen and is cleared by its answer', () => {
    let s = wizardReducer(init(), {type: 'ui.ask', ask: {kind: 'secret', message: 'sudo password'}});
    expect(s.ask).toEqual({kind: 'secret', message: 'sudo password'});
    s = wizardReducer(s, {type: 'ui.answered', ok: true});
    expect(s.ask).toBeUndefined();
  });

  it('records parameters and connection details', () => {
    const s = fold([
      {type: 'ui.values', id: 'admin-user', values: [{name: 'user', value: 'admin'}]},
      {type: 'ui.connecting', note: 'reading the platform', label: 'root@192.0.2.10:22', host: '192.0.2.10'},
    ]);
    expect(s.steps[1]?.values).toEqual([{name: 'user', value: 'admin'}]);
    expect(s.target.label).toBe('root@192.0.2.10:22');
    expect(s.connectNote).toBe('reading the platform');
  });
});

describe('a step retried after a rollback', () => {
  it('keeps its rolled-back entry in the log and prints the new outcome as a second entry', () => {
    let s = wizardReducer(initialState({label: 'l', host: 'h', recipe: 'r', banner: 'b', startedAt: 0, steps: STEPS}), {
      type: 'ui.connected',
      preflight: {platform: 'p', ssh: 's', you: 'y', firewall: 'f', listeners: [], notes: []},
    });
    s = wizardReducer(s, {type: 'ui.continue'});
    const run = (events: WizardAction[]) => {
      for (const e of events) s = wizardReducer(s, e);
    };
    run([
      {type: 'step.planned', step: SSH},
      {type: 'step.start', id: 'ssh-hardening'},
      {type: 'step.rolled-back', id: 'ssh-hardening', reason: 'port 2222 is unreachable'},
      {
        type: 'ui.ask',
        ask: {
          kind: 'question',
          stepId: 'ssh-hardening',
          question: {kind: 'text', key: 'ssh_port', title: 't', about: 'a', initial: ''},
        },
      },
      {type: 'ui.answered', ok: true},
      {type: 'step.planned', step: SSH},
      {type: 'step.start', id: 'ssh-hardening'},
      {type: 'step.done', id: 'ssh-hardening', changed: 3, ms: 900},
    ]);
    const entries = s.log.filter((i) => i.kind === 'step' && i.step.id === 'ssh-hardening');
    expect(entries.map((i) => (i.kind === 'step' ? i.step.status : ''))).toEqual(['rolled-back', 'done']);
  });
});
