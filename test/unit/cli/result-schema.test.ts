import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it, vi} from 'vitest';
import {main} from '../../../src/cli/main.js';
import {PLATFORMS} from '../../../src/core/facts.js';
import type {Step} from '../../../src/core/types.js';
import {checkpoints, type JournalEntry, LocalJournal} from '../../../src/engine/journal.js';
import {undoable} from '../../../src/engine/rollback.js';
import {applyRunbook} from '../../../src/engine/runbook.js';
import {exposures} from '../../../src/platform/exposure.js';
import {profileFacts} from '../../../src/platform/profiles.js';
import {appliedJson, failedJson, printJson, rollbackJson, statusJson} from '../../../src/present/json.js';
import {RESULT_VERSION, resultJsonSchema} from '../../../src/present/result-schema.js';
import {fakeTarget} from '../../helpers/fake-target.js';
import {parseResult} from '../../helpers/result-schema.js';
import {runValues} from '../../helpers/run-values.js';

/** What a function wrote on stdout (the one --json document), stdout itself untouched. */
async function stdoutOf(fn: () => unknown): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'pc-result-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('schema/result.schema.json: the published contract of --json', () => {
  it('is generated from the types the documents are built from (npm run schema)', () => {
    const file = JSON.parse(readFileSync(new URL('../../../schema/result.schema.json', import.meta.url), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(resultJsonSchema())));
  });

  it('documents the exit codes beside the shapes', () => {
    const {description} = resultJsonSchema() as {description: string};
    for (const code of ['0:', '1:', '2:', '130:']) expect(description).toContain(code);
  });

  it('rejects a document that is not one: the validator can fail', () => {
    const ok = {
      version: RESULT_VERSION,
      command: 'rollback',
      target: 'root@h:22',
      rolledBack: [],
      changed: 0,
      via: 'root@h:22',
    };
    expect(parseResult(JSON.stringify(ok))).toEqual(ok);
    const {version: _, ...noVersion} = ok;
    expect(() => parseResult(JSON.stringify(noVersion))).toThrow(/does not match/);
    expect(() => parseResult(JSON.stringify({...ok, extra: 1}))).toThrow(/does not match/);
    expect(() => parseResult(JSON.stringify({...ok, version: RESULT_VERSION + 1}))).toThrow(/does not match/);
    expect(() => parseResult(JSON.stringify({...ok, command: 'apply'}))).toThrow(/does not match/);
  });
});

describe('every --json document validates against the published file', () => {
  it.each(PLATFORMS)('plan --json for %s, each shipped recipe (the real command, offline)', async (platform) => {
    const team = join(dir, 'team.yaml');
    writeFileSync(
      team,
      'members:\n  - name: alice\n    key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHdMIVRn9ivEOjflZGTxDkS30Wd46zJYVXP5FQ2WXNvN alice@laptop\n',
    );
    for (const recipe of [
      ['--recipe', 'fresh-vps', '--set', 'admin_user=admin', '--set', 'admin_sudo=nopasswd', '--set', 'ssh_port=2222'],
      ['--recipe', 'incident-lockdown', '--set', 'ban=198.51.100.23'],
      ['--recipe', 'team-onboarding', '--set', `team_file=${team}`],
    ]) {
      let code: number | undefined;
      const out = await stdoutOf(async () => {
        code = await main(['plan', '--platform', platform, ...recipe, '--json']);
      });
      const doc = parseResult<{version: number; command: string; platform: string; refused: string[]}>(out);
      expect(doc).toMatchObject({version: RESULT_VERSION, command: 'plan', platform});
      // A plan with a refused step (macOS has no WireGuard server; the lockdown is ufw only) still prints
      // its document, and exits 1.
      expect(code).toBe(doc.refused.length ? 1 : 0);
      if (platform === 'debian-12') expect(doc.refused, recipe.join(' ')).toEqual([]);
    }
  });

  it('apply --json, applied and failed, from a run of the engine on a fake target', async () => {
    const {target} = fakeTarget();
    const write: Step<unknown> = {
      id: 'motd',
      title: 'motd',
      why: 'test',
      risk: 'safe',
      undo: 'test',
      params: () => ({}),
      probe: () => ({}),
      plan: () => ({
        actions: [{kind: 'file.write', path: '/etc/motd', content: 'hi\n', mode: 0o644}],
        findings: [],
        onRollback: [],
      }),
    } as Step<unknown>;
    const facts = profileFacts('debian-12');
    const journal = join(dir, 'journal.jsonl');
    const result = await applyRunbook({
      target,
      facts,
      steps: [write],
      values: runValues({}),
      runId: 'RUN',
      journal: new LocalJournal(journal),
      events: () => {},
      confirm: async () => true,
    });
    const exp = exposures(facts);
    const applied = parseResult(
      await stdoutOf(() =>
        printJson('apply', appliedJson('RUN', target, 'fresh-vps', result, journal, {before: exp, after: exp})),
      ),
    );
    expect(applied).toMatchObject({command: 'apply', status: 'applied', steps: [{id: 'motd'}]});
    const failed = parseResult(
      await stdoutOf(() => printJson('apply', failedJson('RUN', 'root@h:22', 'fresh-vps', new Error('no'), undefined))),
    );
    expect(failed).toMatchObject({command: 'apply', status: 'failed', error: 'no'});
  });

  it('status and rollback --json, from a journal with every step state', async () => {
    const entries: JournalEntry[] = [
      {run: 'R1', kind: 'step.begin', step: 'admin-user', touches: []},
      {run: 'R1', kind: 'step.done', step: 'admin-user', changed: 2},
      {run: 'R1', kind: 'step.begin', step: 'ssh-hardening', touches: []},
      {run: 'R1', kind: 'timer.armed', step: 'ssh-hardening', seconds: 120},
      {run: 'R1', kind: 'step.begin', step: 'firewall', touches: []},
      {run: 'R1', kind: 'step.rolled-back', step: 'firewall', by: 'proof'},
      {run: 'R2', kind: 'step.begin', step: 'fail2ban', touches: []},
    ];
    const facts = profileFacts('ubuntu-24.04');
    const status = parseResult(
      await stdoutOf(() => printJson('status', statusJson('root@h:22', facts, checkpoints(entries), exposures(facts)))),
    );
    expect(status).toMatchObject({command: 'status', platform: 'ubuntu-24.04'});
    const rollback = parseResult<{rolledBack: unknown[]}>(
      await stdoutOf(() => printJson('rollback', rollbackJson('root@h:22', undoable(entries), 'root@h:22'))),
    );
    expect(rollback.rolledBack).toEqual([
      {run: 'R2', step: 'fail2ban'},
      {run: 'R1', step: 'ssh-hardening'},
      {run: 'R1', step: 'admin-user'},
    ]);
  });
});
