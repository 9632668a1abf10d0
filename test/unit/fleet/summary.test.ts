import {describe, expect, it} from 'vitest';
import type {FleetOutcome} from '../../../src/fleet/runner.js';
import {fleetJson, summaryTable} from '../../../src/fleet/summary.js';
import {RESULT_VERSION} from '../../../src/present/result-schema.js';
import {parseResult} from '../../helpers/result-schema.js';

const outcome: FleetOutcome = {
  ms: 24_300,
  stopped: {afterBatch: 2, reason: 'batch 2: 2 of 3 host(s) failed, more than --max-fail-percentage 0', by: 'failures'},
  results: [
    {
      host: 'vps1',
      target: 'root@192.0.2.10:22',
      batch: 1,
      result: 'applied',
      changed: 13,
      ms: 7800,
      steps: [{id: 'ssh-hardening', status: 'applied', changed: 8, ms: 2200}],
      exposure: {before: ['22/tcp', '8080/tcp'], after: ['2222/tcp', '8080/tcp']},
    },
    {
      host: 'vps2',
      target: 'root@192.0.2.11:22',
      batch: 2,
      result: 'rolled-back',
      changed: 5,
      ms: 16_300,
      steps: [{id: 'ssh-hardening', status: 'rolled-back', changed: 0, ms: 9000}],
      exposure: {before: ['22/tcp', '8080/tcp'], after: ['22/tcp', '8080/tcp']},
      reason: 'SSH hardening: could not prove ...; everything this step changed has been restored',
    },
    {host: 'down1', batch: 2, result: 'unreachable', changed: 0, ms: 7100, steps: [], reason: 'timed out'},
    {
      host: 'vps3',
      batch: 2,
      result: 'applied',
      changed: 13,
      ms: 8400,
      steps: [],
      exposure: {before: [], after: undefined},
    },
    {
      host: 'down2',
      batch: 3,
      result: 'not-started',
      changed: 0,
      ms: 0,
      steps: [],
      reason: 'the run stopped after batch 2',
    },
  ],
};

describe('the end of a fleet run', () => {
  it('one row per host: result, changes, duration, exposure before -> after; then counts and why it stopped', () => {
    expect(summaryTable(outcome)).toEqual([
      'host   result       changed  duration  exposure (before -> after)',
      'vps1   applied      13       7.8 s     22/tcp 8080/tcp -> 2222/tcp 8080/tcp',
      'vps2   rolled-back  5        16.3 s    22/tcp 8080/tcp',
      'down1  unreachable  0        7.1 s     -',
      'vps3   applied      13       8.4 s     none -> ?',
      'down2  not-started  0        -         -',
      '5 host(s): 2 applied, 1 rolled-back, 1 unreachable, 1 not-started; 24.3 s in all',
      'stopped after batch 2: batch 2: 2 of 3 host(s) failed, more than --max-fail-percentage 0',
      'vps2: SSH hardening: could not prove ...; everything this step changed has been restored',
      'down1: timed out',
    ]);
  });

  it('--json: one document with a result per host, valid against the published schema', () => {
    const body = fleetJson(outcome, {run: 'R', recipe: 'fresh-vps', inventory: 'hosts.ini', batches: 3});
    const doc = parseResult<{status: string; hosts: unknown[]}>(
      JSON.stringify({version: RESULT_VERSION, command: 'apply --inventory', ...body}),
    );
    expect(doc.status).toBe('failed');
    expect(doc.hosts).toHaveLength(5);
    expect(() =>
      parseResult(JSON.stringify({version: RESULT_VERSION, command: 'apply --inventory', ...body, extra: 1})),
    ).toThrow(/does not match/);
  });
});
