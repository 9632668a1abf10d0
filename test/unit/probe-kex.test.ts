import {describe, expect, it} from 'vitest';
import {probeKex} from '../../src/target/ssh-target.js';

describe('proof logins: key exchange', () => {
  it("puts curve25519-sha256 first and keeps the rest of the operator's own list, in order", () => {
    expect(
      probeKex('sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,ecdh-sha2-nistp256'),
    ).toBe('curve25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,ecdh-sha2-nistp256');
  });

  it("leaves ssh's order alone when curve25519 is already first, not allowed, or the list is unknown", () => {
    expect(probeKex('curve25519-sha256,ecdh-sha2-nistp256')).toBeUndefined();
    expect(probeKex('mlkem768x25519-sha256,ecdh-sha2-nistp256')).toBeUndefined();
    expect(probeKex(undefined)).toBeUndefined();
    expect(probeKex('')).toBeUndefined();
  });
});
