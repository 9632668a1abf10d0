import {describe, expect, it} from 'vitest';
import {adjustMainConfig, cryptoLines, renderSshdDropin} from '../../src/render/sshd.js';

const base = {
  ports: [2222],
  permitRootLogin: 'no' as const,
  passwordAuthentication: false,
  x11Forwarding: false,
  maxAuthTries: 3,
  clientAliveInterval: 300,
  clientAliveCountMax: 2,
  allowUsers: ['admin'],
  allowTcpForwarding: false,
  allowAgentForwarding: false,
  modernCrypto: true,
  penaltyExempt: '192.0.2.20/32',
};

describe('sshd drop-in', () => {
  it('never emits an algorithm or option the installed OpenSSH does not know', () => {
    const v92 = renderSshdDropin(base, {major: 9, minor: 2});
    expect(v92).toContain('sntrup761x25519-sha512@openssh.com');
    expect(v92).not.toContain('mlkem768x25519-sha256');
    expect(v92).not.toContain('PerSourcePenaltyExemptList');
    const v10 = renderSshdDropin(base, {major: 10, minor: 0});
    expect(v10).toContain('mlkem768x25519-sha256');
    expect(v10).toContain('PerSourcePenaltyExemptList 192.0.2.20/32');
    expect(renderSshdDropin(base, {major: 8, minor: 0})).toContain('ChallengeResponseAuthentication no');
    expect(cryptoLines({major: 8, minor: 2}).join()).not.toContain('sntrup');
  });

  it('refuses an AllowUsers entry that could inject a line', () => {
    expect(() =>
      renderSshdDropin({...base, allowUsers: ['admin\nPermitRootLogin yes']}, {major: 9, minor: 2}),
    ).toThrow();
  });

  it('adds the Include at the very top and comments out Port lines', () => {
    const out = adjustMainConfig(
      'Port 22\nMatch User x\n  X11Forwarding yes\n',
      '/etc/ssh/sshd_config.d/*.conf',
      true,
      true,
    );
    expect(out.split('\n')[1]).toBe('Include /etc/ssh/sshd_config.d/*.conf');
    expect(out).toMatch(/^# Port 22 {4}# disabled by portcullis/m);
  });
});
