import {describe, expect, it} from 'vitest';
import {explainSshFailure} from '../../src/target/ssh-errors.js';

describe('explainSshFailure: a refused login', () => {
  it('where the server would take a password (a fresh VPS with a root password only), says to put the key on first', () => {
    const m = explainSshFailure('root@203.0.113.5: Permission denied (publickey,password).\n', 'root@203.0.113.5:22');
    expect(m).toBe(
      'root@203.0.113.5:22 refused the login (root@203.0.113.5: Permission denied (publickey,password).); if it has only a password so far, put your key on it first: ssh-copy-id root@203.0.113.5 (asks for the password once), then run again',
    );
    expect(explainSshFailure('Permission denied (publickey,password).', 'admin@203.0.113.5:2222')).toContain(
      'ssh-copy-id -p 2222 admin@203.0.113.5',
    );
  });

  it('where it takes keys only, gives no password advice', () => {
    const m = explainSshFailure('admin@203.0.113.5: Permission denied (publickey).', 'admin@203.0.113.5:2222');
    expect(m).toBe('admin@203.0.113.5:2222 refused the login (admin@203.0.113.5: Permission denied (publickey).)');
  });
});
