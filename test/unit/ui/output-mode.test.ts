import {describe, expect, it} from 'vitest';
import {followUpArgs, inCi, outputMode, type Terminal} from '../../../src/cli/frontend.js';
import {quote} from '../../../src/util/shell.js';

const tty: Terminal = {
  stdinTTY: true,
  stdoutTTY: true,
  stderrTTY: true,
  yes: false,
  json: false,
  ci: false,
  term: 'xterm',
};

describe('outputMode: one owner of the terminal per run', () => {
  it('is the Ink wizard on a terminal without --yes', () => {
    expect(outputMode(tty)).toEqual({kind: 'ink', stream: 'stdout'});
  });

  it('draws on stderr under --json, so stdout carries only the document', () => {
    expect(outputMode({...tty, json: true, stdoutTTY: false})).toEqual({kind: 'ink', stream: 'stderr'});
  });

  it('is plain lines with prompts on a dumb terminal', () => {
    expect(outputMode({...tty, term: 'dumb'})).toEqual({kind: 'plain'});
  });

  it('is listr2 for --yes: redrawing on a terminal, plain lines in CI and pipes', () => {
    expect(outputMode({...tty, yes: true})).toEqual({kind: 'listr', renderer: 'default'});
    expect(outputMode({...tty, yes: true, ci: true})).toEqual({kind: 'listr', renderer: 'simple'});
    expect(outputMode({...tty, yes: true, stderrTTY: false})).toEqual({kind: 'listr', renderer: 'simple'});
  });

  it('never waits on a pipe: without --yes a headless run is refused', () => {
    expect(outputMode({...tty, stdinTTY: false})).toEqual({kind: 'refuse'});
    expect(outputMode({...tty, stdoutTTY: false})).toEqual({kind: 'refuse'});
    expect(outputMode({...tty, ci: true})).toEqual({kind: 'refuse'});
  });
});

describe('followUpArgs', () => {
  it('repeats the options needed to reach the same target, quoted', () => {
    expect(followUpArgs({sshConfig: '/tmp/my config', identity: '/k'}, quote)).toBe(
      "--ssh-config '/tmp/my config' -i /k",
    );
    expect(followUpArgs({}, quote)).toBe('');
  });
});

describe('inCi', () => {
  it('agrees with Ink: any value but 0 or false counts, an empty one included', () => {
    expect(inCi({CI: ''})).toBe(true);
    expect(inCi({CI: 'true'})).toBe(true);
    expect(inCi({CONTINUOUS_INTEGRATION: '1'})).toBe(true);
    expect(inCi({CI: 'false'})).toBe(false);
    expect(inCi({CI: '0'})).toBe(false);
    expect(inCi({})).toBe(false);
  });
});
