import {describe, expect, it} from 'vitest';
import {profileFacts} from '../../src/platform/profiles.js';
import {listRecipes, loadRecipe, parseRecipe, parseSets} from '../../src/recipes/load.js';
import {valuesSchema} from '../../src/recipes/schema.js';
import {STEPS, stepsFor} from '../../steps/index.js';
import {paramsFor} from '../helpers/run-values.js';

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

describe('the schema and the steps agree on every value', () => {
  // Values at the edges of what the schema accepts: each must also pass every step's own checks, or a run
  // that passed validation before connecting would be refused halfway through.
  const edges: Record<string, unknown>[] = [
    {public_ports: ['1/tcp', '65535/udp']},
    {fail2ban_findtime: 9_999_999, fail2ban_bantime: '9999999w'},
    {admin_password: 'x'.repeat(200)},
    {admin_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFluB7SM+95GnvCAj98c+Cszy+T1lczv9Vyqbo99+UVJ a@b'},
    {wg_subnet: '10.0.0.0/8'},
    {wg_subnet: '192.168.7.252/30'},
    {lockdown_allow_from: ['10.0.0.0/8', '2001:db8::/16', '::1']},
    {ban: ['192.0.2.1', '2001:db8::1']},
    {evidence_dir: '/', evidence_days: 90},
    {ssh_port: 65535, wg_port: 1, max_auth_tries: 20, client_alive_interval: 3600, confirm_timeout: 3600},
  ];
  it.each(edges)('%j passes the schema and every step', (v) => {
    const values = valuesSchema.parse(v);
    const facts = profileFacts('debian-12');
    for (const s of STEPS) expect(() => paramsFor(s, {...values, admin_user: 'admin'}, facts), s.id).not.toThrow();
  });
});
