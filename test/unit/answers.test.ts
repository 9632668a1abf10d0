import {mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {buildProgram} from '../../src/cli/main.js';
import {saveAnswers, setupRun} from '../../src/cli/run-setup.js';
import {answersJsonSchema, recipeJsonSchema} from '../../src/recipes/json-schema.js';
import {loadAnswers} from '../../src/recipes/load.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-answers-'));

describe('answers files', () => {
  it('a saved run replays with the same values, secrets left out, file 0600', () => {
    const first = setupRun({set: ['admin_user=admin', 'ssh_port=2222', 'admin_password=s3cret', 'peers=alice,bob']});
    const file = join(dir, 'answers.yaml');
    expect(saveAnswers(file, first.values)).toEqual(['admin_password']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain('s3cret');
    const replay = setupRun({answers: file});
    for (const k of ['admin_user', 'ssh_port', 'peers'] as const) expect(replay.values[k]).toEqual(first.values[k]);
    expect(replay.values.admin_password).toBeUndefined();
  });

  it('--set wins over the answers file', () => {
    const file = join(dir, 'a2.yaml');
    writeFileSync(file, 'ssh_port: 2222\nadmin_user: admin\n');
    expect(setupRun({answers: file, set: ['ssh_port=2200']}).values.ssh_port).toBe(2200);
  });

  it('errors name file:line:col and the expected value', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'admin_user: admin\nssh_port: "22abc"\n');
    expect(() => loadAnswers(file)).toThrow(/bad\.yaml:2:11: ssh_port: expected number/);
    writeFileSync(file, 'admin_user: admin\nrm_rf: true\n');
    expect(() => loadAnswers(file)).toThrow(/bad\.yaml:1:1: document: unknown key\(s\) rm_rf/);
  });
});

describe('the dead-man window', () => {
  const parsed = async (argv: string[]) => {
    const program = buildProgram();
    let opts: Record<string, unknown> = {};
    program.commands
      .find((c) => c.name() === 'apply')
      ?.action((_t: string, o: Record<string, unknown>) => {
        opts = o;
      });
    await program.parseAsync(argv, {from: 'user'});
    return opts as {set?: string[]; confirmTimeout?: string};
  };

  it('--set confirm_timeout=600 is honoured: no flag default replaces it with 120', async () => {
    const o = await parsed(['apply', 'root@h', '--yes', '--set', 'confirm_timeout=600']);
    expect(o.confirmTimeout).toBeUndefined();
    expect(setupRun(o).values.confirm_timeout).toBe(600);
  });

  it('--confirm-timeout wins over --set, within the schema range 15-3600', async () => {
    const o = await parsed(['apply', 'root@h', '--set', 'confirm_timeout=600', '--confirm-timeout', '3600']);
    expect(setupRun(o).values.confirm_timeout).toBe(3600);
    expect(() => setupRun({confirmTimeout: '9999'})).toThrow(/give whole seconds from 15 to 3600/);
    expect(setupRun({confirmTimeout: '15'}).values.confirm_timeout).toBe(15);
  });
});

describe('JSON Schema for editors', () => {
  it('the committed schema files are the ones the zod schema generates (npm run schema)', () => {
    const read = (f: string) => JSON.parse(readFileSync(new URL(`../../schema/${f}`, import.meta.url), 'utf8'));
    expect(read('recipe.schema.json')).toEqual(JSON.parse(JSON.stringify(recipeJsonSchema())));
    expect(read('answers.schema.json')).toEqual(JSON.parse(JSON.stringify(answersJsonSchema())));
  });
});
