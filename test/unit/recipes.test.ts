import {describe, expect, it} from 'vitest';
import {listRecipes, loadRecipe, parseRecipe, parseSets} from '../../src/recipes/load.js';
import {stepsFor} from '../../steps/index.js';

describe('recipes', () => {
  it('every shipped recipe parses and names existing steps', () => {
    const all = listRecipes();
    expect(all.map((r) => r.name)).toContain('fresh-vps');
    for (const r of all) expect(stepsFor(loadRecipe(r.name).steps).length).toBeGreaterThan(0);
  });

  it('points at file:line:col of a wrong type', () => {
    const text = 'name: x\ndescription: y\nsteps: [preflight]\nvalues:\n  ssh_port: "22abc"\n';
    expect(() => parseRecipe(text, 'r.yaml')).toThrow(/^r\.yaml:5:13: values\.ssh_port: expected number/);
  });

  it('points at an unknown key and at broken YAML', () => {
    expect(() => parseRecipe('name: x\ndescription: y\nsteps: [preflight]\nbogus: 1\n', 'r.yaml')).toThrow(
      /r\.yaml:1:1: document: unknown key\(s\) bogus/,
    );
    expect(() => parseRecipe('name: [x\n', 'r.yaml')).toThrow(/^r\.yaml:\d+:\d+: /);
  });

  it('types --set values by the schema', () => {
    expect(parseSets(['ssh_port=2222', 'password_authentication=false', 'public_ports=443/tcp,80/tcp'])).toEqual({
      ssh_port: 2222,
      password_authentication: false,
      public_ports: ['443/tcp', '80/tcp'],
    });
    expect(() => parseSets(['ssh_port=22abc'])).toThrow(/whole number/);
    expect(() => parseSets(['ssh_port=65536'])).toThrow();
    expect(() => parseSets(['admin_user=a\nb'])).toThrow(/newline/);
    expect(() => parseSets(['nope=1'])).toThrow(/unknown key/);
    expect(() => parseSets(['admin_user'])).toThrow(/key=value/);
  });
});
