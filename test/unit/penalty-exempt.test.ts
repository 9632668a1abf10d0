import {describe, expect, it} from 'vitest';
import {keptExempt} from '../../steps/ssh-hardening.js';

// Found on the sandbox's trixie variant (OpenSSH 10, test/e2e/platform-trixie.test.ts): the second run, through the
// tunnel, replaced the first run's exempt address with its own, so every run from another address changed sshd.
describe('keptExempt: PerSourcePenaltyExemptList keeps the addresses the operator came from, and the tunnel', () => {
  const dropin = (list: string) => `Port 2222\nPerSourcePenaltyExemptList ${list}\n`;

  it('keeps what the drop-in has and adds this run address once', () => {
    expect(keptExempt(undefined, '192.0.2.20/32')).toBe('192.0.2.20/32');
    expect(keptExempt(dropin('192.0.2.20/32'), '10.66.0.2/32')).toBe('192.0.2.20/32,10.66.0.2/32');
    expect(keptExempt(dropin('192.0.2.20/32,10.66.0.2/32'), '192.0.2.20/32')).toBe('192.0.2.20/32,10.66.0.2/32');
    expect(keptExempt(dropin('2001:db8::20/128'), undefined)).toBe('2001:db8::20/128');
    expect(keptExempt('Port 22\n', undefined)).toBeUndefined();
  });

  it('the tunnel network is exempt from the first run on: a re-run through the tunnel changes nothing', () => {
    const first = keptExempt(undefined, '192.0.2.20/32', '10.66.0.0/24');
    expect(first).toBe('10.66.0.0/24,192.0.2.20/32');
    expect(keptExempt(dropin(first ?? ''), '10.66.0.2/32', '10.66.0.0/24')).toBe(first);
    expect(keptExempt(dropin(first ?? ''), '198.51.100.7/32', '10.66.0.0/24')).toBe(
      '10.66.0.0/24,192.0.2.20/32,198.51.100.7/32',
    );
  });

  it('drops what is not a network (the file is read from the target)', () => {
    expect(keptExempt(dropin('192.0.2.20/32,evil,1.2.3.4/99,;rm'), '10.66.0.2/32')).toBe('192.0.2.20/32,10.66.0.2/32');
  });
});
