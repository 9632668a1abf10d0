import {describe, expect, it} from 'vitest';
import type {JournalEntry} from '../../src/engine/journal.js';
import {undoable} from '../../src/engine/rollback.js';
import {InputError} from '../../src/util/errors.js';

const RUNBOOK = ['preflight', 'admin-user', 'ssh-hardening', 'firewall', 'wireguard', 'verify-tunnel', 'close-ports'];

/** A step applied in `run` that changed `changed` things. */
const step = (run: string, id: string, changed: number): JournalEntry[] => [
  {run, kind: 'step.begin', step: id, touches: []},
  {run, kind: 'step.done', step: id, changed},
];

// Run 1 set the server up; run 2, a re-run through the tunnel, only proved the tunnel again.
const JOURNAL: JournalEntry[] = [
  ...step('r1', 'ssh-hardening', 8),
  ...step('r1', 'firewall', 5),
  ...step('r1', 'wireguard', 4),
  ...step('r1', 'verify-tunnel', 0),
  ...step('r1', 'close-ports', 3),
  ...step('r2', 'verify-tunnel', 0),
];
const ids = (l: {run: string; step: string}[]) => l.map((s) => `${s.run}/${s.step}`);

describe('rollback --to STEP', () => {
  it('stops at the newest time STEP changed the server', () => {
    expect(ids(undoable(JOURNAL, 'firewall', RUNBOOK))).toEqual([
      'r2/verify-tunnel',
      'r1/close-ports',
      'r1/verify-tunnel',
      'r1/wireguard',
    ]);
  });

  it('a step that only proves, journaled again by a re-run, stops at its first run: the re-run marks no new state', () => {
    expect(ids(undoable(JOURNAL, 'verify-tunnel', RUNBOOK))).toEqual(['r2/verify-tunnel', 'r1/close-ports']);
  });

  it('a step applied again later stops at its newest change', () => {
    const again = [...JOURNAL, ...step('r3', 'firewall', 2), ...step('r3', 'close-ports', 1)];
    expect(ids(undoable(again, 'firewall', RUNBOOK))).toEqual(['r3/close-ports']);
  });

  it('a step that left no trace (compliant in every run) keeps the steps before it in the runbook', () => {
    expect(ids(undoable(JOURNAL, 'admin-user', RUNBOOK))).toEqual([
      'r2/verify-tunnel',
      'r1/close-ports',
      'r1/verify-tunnel',
      'r1/wireguard',
      'r1/firewall',
      'r1/ssh-hardening',
    ]);
    // Only steps after the named one go: with ssh-hardening not journaled, firewall (after it) goes, preflight would not.
    expect(ids(undoable([...step('r0', 'preflight', 1), ...JOURNAL.slice(2)], 'ssh-hardening', RUNBOOK))).toEqual([
      'r2/verify-tunnel',
      'r1/close-ports',
      'r1/verify-tunnel',
      'r1/wireguard',
      'r1/firewall',
    ]);
  });

  it('a name that is no step is refused: never read as "everything"', () => {
    expect(() => undoable(JOURNAL, 'firewal', RUNBOOK)).toThrow(InputError);
  });

  it('without --to, every step in effect, newest first, each once', () => {
    expect(ids(undoable(JOURNAL))).toEqual([
      'r2/verify-tunnel',
      'r1/close-ports',
      'r1/verify-tunnel',
      'r1/wireguard',
      'r1/firewall',
      'r1/ssh-hardening',
    ]);
  });
});
