import {describe, expect, it} from 'vitest';
import {compactValues, valueRows} from '../../../src/ui/model/values.js';

describe('valueRows', () => {
  it('flattens nested parameters, with defaults as the step filled them in', () => {
    const rows = valueRows({admin: 'admin', port: undefined, settings: {maxAuthTries: 3, modernCrypto: true}});
    expect(rows).toEqual([
      {name: 'admin', value: 'admin'},
      {name: 'port', value: '(not set)'},
      {name: 'settings.maxAuthTries', value: '3'},
      {name: 'settings.modernCrypto', value: 'true'},
    ]);
  });

  it('never shows a password, but shows a password setting', () => {
    const rows = valueRows({password: 'hunter2', settings: {passwordAuthentication: false}});
    expect(rows).toEqual([
      {name: 'password', value: '(hidden)'},
      {name: 'settings.passwordAuthentication', value: 'false'},
    ]);
  });

  it('abbreviates public keys and lists', () => {
    const key = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3dH6eVutKg7NnLIuOpqPkgJJgckA7AqWFXYz op@laptop`;
    expect(valueRows({keys: [key]})).toEqual([{name: 'keys', value: 'ssh-ed25519 AAAAC3NzaC1l… op@laptop'}]);
    expect(valueRows({allow: []})).toEqual([{name: 'allow', value: '(none)'}]);
  });
});

describe('compactValues', () => {
  it('uses the short name unless two would collide', () => {
    expect(
      compactValues([
        {name: 'sshd.maxretry', value: '3'},
        {name: 'recidive.maxretry', value: '2'},
        {name: 'settings.x11Forwarding', value: 'false'},
      ]),
    ).toBe('sshd.maxretry=3 · recidive.maxretry=2 · x11Forwarding=false');
  });
});
