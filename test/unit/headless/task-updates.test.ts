import {describe, expect, it} from 'vitest';
import {stepOf, taskUpdates} from '../../../src/headless/task-updates.js';

describe('taskUpdates', () => {
  it('words progress as the line reporter did, so logs read the same', () => {
    expect(
      taskUpdates({type: 'proof.start', id: 's', what: 'admin on 2222', command: 'ssh -p 2222 admin@h'}, 'S'),
    ).toEqual([{kind: 'output', text: 'proving admin on 2222 (ssh -p 2222 admin@h)'}]);
    expect(taskUpdates({type: 'timer.armed', id: 's', seconds: 120, deadline: 0}, 'S')[0]).toMatchObject({
      text: expect.stringMatching(/dead-man timer armed: .* 120 s unless the new way in is proven/),
    });
  });

  it('settles the task: done and compliant succeed, rollbacks and refusals fail with the reason', () => {
    expect(taskUpdates({type: 'step.done', id: 's', changed: 3, ms: 1500}, 'SSH hardening')).toEqual([
      {kind: 'ok', title: 'SSH hardening: 3 change(s) in 1.5 s'},
    ]);
    expect(taskUpdates({type: 'step.compliant', id: 's'}, 'Preflight')).toEqual([
      {kind: 'ok', title: 'Preflight: already compliant, nothing to change'},
    ]);
    expect(taskUpdates({type: 'step.rolled-back', id: 's', reason: 'restored'}, 'SSH hardening')).toEqual([
      {kind: 'fail', message: 'SSH hardening rolled back: restored'},
    ]);
  });

  it('drops info findings, cleans output lines and knows the step of each event', () => {
    expect(taskUpdates({type: 'finding', id: 's', finding: {level: 'info', message: 'x'}}, 'S')).toEqual([]);
    expect(taskUpdates({type: 'output', id: 's', line: '\u001b[1mbold\u001b[0m'}, 'S')).toEqual([
      {kind: 'output', text: '  bold'},
    ]);
    expect(stepOf({type: 'facts', summary: ''})).toBeUndefined();
    expect(stepOf({type: 'step.start', id: 'admin-user'})).toBe('admin-user');
  });

  it('a tunnel proof says which file brings the tunnel up and who does it; files are named by path', () => {
    const tunnel = {confPath: '/home/op/wg/vps-admin.conf', localIface: 'pcw1', connect: false, deadline: 0};
    const start = {type: 'proof.start' as const, id: 's', what: 'admin in the tunnel', command: 'ssh admin@10.66.0.1'};
    expect(taskUpdates({...start, tunnel}, 'S')).toEqual([
      {kind: 'output', text: 'proving admin in the tunnel (ssh admin@10.66.0.1)'},
      {
        kind: 'output',
        text: 'bring the tunnel up from your device with /home/op/wg/vps-admin.conf: sudo wg-quick up /home/op/wg/vps-admin.conf',
      },
    ]);
    expect(taskUpdates({...start, tunnel: {...tunnel, connect: true}}, 'S')[1]).toEqual({
      kind: 'output',
      text: 'bringing the tunnel up here with wg-quick, from /home/op/wg/vps-admin.conf',
    });
    expect(
      taskUpdates({type: 'proof.progress', id: 's', what: 'w', stage: 'handshake', message: 'handshake seen'}, 'S'),
    ).toEqual([{kind: 'output', text: 'handshake seen'}]);
    expect(
      taskUpdates({type: 'artifact', id: 's', path: '/home/op/wg/vps-admin.conf', kind: 'client-config'}, 'S'),
    ).toEqual([
      {
        kind: 'note',
        text: "client config saved on this machine: /home/op/wg/vps-admin.conf (0600, holds the peer's private key)",
      },
    ]);
    expect(taskUpdates({type: 'artifact', id: 's', path: '/home/op/ev/x', kind: 'file'}, 'S')).toEqual([
      {kind: 'note', text: 'saved on this machine: /home/op/ev/x'},
    ]);
  });
});
