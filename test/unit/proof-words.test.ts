import {describe, expect, it} from 'vitest';
import {taskUpdates} from '../../src/headless/task-updates.js';
import {proofWithCommand, proofWords} from '../../src/util/proof-words.js';

describe('a proof command said once', () => {
  it('words that end with the command lose it where the command has a row of its own', () => {
    expect(proofWords('admin logs in through the tunnel (ssh admin@h)', 'ssh admin@h')).toBe(
      'admin logs in through the tunnel',
    );
    expect(proofWords('admin logs in on port 2222', 'ssh -p 2222 admin@h')).toBe('admin logs in on port 2222');
  });

  it('headless: "proving WHAT (COMMAND)" with the command once, whether the words held it or not', () => {
    expect(proofWithCommand('admin logs in through the tunnel (ssh admin@h)', 'ssh admin@h')).toBe(
      'admin logs in through the tunnel (ssh admin@h)',
    );
    const start = {type: 'proof.start' as const, id: 's', command: 'ssh admin@10.66.0.1'};
    expect(taskUpdates({...start, what: 'admin in the tunnel (ssh admin@10.66.0.1)'}, 'S')).toEqual(
      taskUpdates({...start, what: 'admin in the tunnel'}, 'S'),
    );
  });
});
