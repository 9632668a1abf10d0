import {describe, expect, it} from 'vitest';
import {knownSudoPassword, passwordSet} from '../../../src/ui/model/set-password.js';

describe('the sudo password the wizard set for the admin it creates', () => {
  it('is remembered from the answers, under the admin named now or before', () => {
    expect(passwordSet({admin_user: 'ops', admin_sudo: 'password', admin_password: 'pw'}, {})).toEqual({
      user: 'ops',
      password: 'pw',
    });
    expect(passwordSet({admin_password: 'pw'}, {admin_user: 'admin'})).toEqual({user: 'admin', password: 'pw'});
    expect(passwordSet({admin_user: 'ops', admin_sudo: 'nopasswd'}, {})).toBeUndefined();
  });

  it("serves only that admin's sudo: anyone else is asked", () => {
    const set = passwordSet({admin_password: 'pw'}, {admin_user: 'admin'});
    expect(knownSudoPassword(set, 'admin')).toBe('pw');
    expect(knownSudoPassword(set, 'deploy')).toBeUndefined();
    expect(knownSudoPassword(undefined, 'admin')).toBeUndefined();
  });
});
