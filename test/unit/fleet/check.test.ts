import {describe, expect, it} from 'vitest';
import {checkSummary, fleetCheckExit, type HostCheck, hostCheckLine} from '../../../src/cli/commands/fleet-check.js';

const ok: HostCheck = {host: 'vps1', target: 'admin@192.0.2.10:2222', status: 'ok', drift: []};
const drifted: HostCheck = {
  host: 'vps2',
  target: 'admin@192.0.2.11:2222',
  status: 'drift',
  drift: [
    {kind: 'listen', message: 'python3 now listens on 0.0.0.0:9999/tcp, reachable from anywhere'},
    {kind: 'sshd', message: 'sshd now has passwordauthentication yes'},
  ],
};
const down: HostCheck = {host: 'down1', status: 'unreachable', reason: 'root@192.0.2.99:22: no route to host'};
const fresh: HostCheck = {
  host: 'vps3',
  target: 'root@192.0.2.12:22',
  status: 'failed',
  reason: 'no posture recorded on root@192.0.2.12:22',
};

describe('check --inventory', () => {
  it('exits 0 only when every host is as recorded; 3 when one drifted; 1 when none drifted but one was not checked', () => {
    expect(fleetCheckExit([ok, ok])).toBe(0);
    expect(fleetCheckExit([ok, drifted, down])).toBe(3);
    expect(fleetCheckExit([ok, down])).toBe(1);
    expect(fleetCheckExit([ok, fresh])).toBe(1);
  });

  it('says each host in one line, then the counts', () => {
    expect([ok, drifted, down, fresh].map((c) => hostCheckLine(c, 5))).toEqual([
      'vps1   ✔ as recorded, and the recipe plans no change',
      'vps2   ✘ drifted (2): python3 now listens on 0.0.0.0:9999/tcp, reachable from anywhere; sshd now has passwordauthentication yes',
      'down1  ✘ unreachable: root@192.0.2.99:22: no route to host',
      'vps3   ✘ not checked: no posture recorded on root@192.0.2.12:22',
    ]);
    expect(checkSummary([ok, drifted, down, fresh])).toBe(
      '4 host(s): 1 as recorded, 1 drifted, 1 unreachable, 1 not checked',
    );
  });
});
