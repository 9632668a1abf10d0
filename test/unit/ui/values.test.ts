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

describe('valueRows: no internals', () => {
  it('a network as CIDR (once), a wait in seconds, peer keys named and cut, how the run works left out', () => {
    const subnet = {base: 172097536, prefix: 24};
    const rows = valueRows({
      port: 51820,
      subnet,
      hostSubnet: {...subnet},
      keys: {admin: 'Wn6odQzFvFMWxIc0dzF26B7BJ8g9Ggu6wpcURVeMJWQ='},
      proof: {user: 'admin', connect: false, interactive: true, timeoutS: 120, fallbackServerAddress: '10.66.0.1'},
    });
    expect(rows).toEqual([
      {name: 'port', value: '51820'},
      {name: 'subnet', value: '10.66.0.0/24'},
      {name: "admin's key", value: 'Wn6odQzFvFMW… (public)'},
      {name: 'proof.user', value: 'admin'},
      {name: 'proof.wait', value: '120 s'},
    ]);
    const line = compactValues(rows);
    expect(line).not.toMatch(
      /base|hostSubnet|interactive|timeoutS|connect=|=Wn6odQzFvFMWxIc0dzF26B7BJ8g9Ggu6wpcURVeMJWQ=/,
    );
  });
});
