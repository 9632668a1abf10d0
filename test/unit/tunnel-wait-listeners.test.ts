import {getEventListeners} from 'node:events';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import type {Step} from '../../src/core/types.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {applyRunbook} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {runValues} from '../helpers/run-values.js';

/** Only a proof through a tunnel the operator brings up, which never comes: the wait runs to its end. */
const tunnelProof: Step<Record<string, never>> = {
  id: 'verify-tunnel',
  title: 'Verify the tunnel',
  why: 'test',
  risk: 'safe',
  undo: 'test',
  params: () => ({}),
  probe: () => ({}),
  plan: () => ({
    actions: [
      {
        kind: 'proof',
        route: {user: 'admin', host: '10.66.0.1'},
        what: 'admin logs in through the tunnel',
        tunnel: {
          iface: 'wg0',
          peer: 'admin',
          peerAddress: '10.66.0.2',
          publicKey: 'cHVibGljLWtleS1vZi10aGUtYWRtaW4tcGVlci0xMjM0NTY=',
          confPath: '/tmp/h-admin.conf',
          localIface: 'wg-h',
          connect: false,
          timeoutS: 200,
        },
      },
    ],
    findings: [],
    onRollback: [],
  }),
};

describe('the wait for a tunnel', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.useRealTimers();
    for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
  });

  it('a 200 s wait leaves at most one abort listener on the run signal, and no warning is printed', async () => {
    vi.useFakeTimers();
    const dir = mkdtempSync(join(tmpdir(), 'pc-journal-'));
    dirs.push(dir);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const stop = new AbortController();
    let most = 0;
    const {target} = fakeTarget({
      answer: (script) => {
        most = Math.max(most, getEventListeners(stop.signal, 'abort').length);
        // No handshake ever reaches the server.
        return script.includes('latest-handshakes') ? {code: 1, stdout: '', stderr: ''} : undefined;
      },
    });
    try {
      const run = applyRunbook({
        target,
        facts: profileFacts('debian-12'),
        steps: [tunnelProof] as Step<unknown>[],
        values: runValues({}),
        runId: 'RUN',
        journal: new LocalJournal(join(dir, 'journal.jsonl')),
        events: () => {},
        confirm: async () => true,
        signal: stop.signal,
      });
      const settled = run.then(
        () => 'applied',
        (e: Error) => e.message,
      );
      await vi.advanceTimersByTimeAsync(205_000);
      expect(await settled).toMatch(/no handshake from peer admin reached the server within 200 s/);
      // Let a warning emitted on the way reach its listeners (process.emitWarning defers it).
      vi.useRealTimers();
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('warning', onWarning);
    }
    expect(most).toBeLessThanOrEqual(1);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    expect(warnings).toEqual([]);
  });
});
