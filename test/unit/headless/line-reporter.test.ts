import {describe, expect, it} from 'vitest';
import {lineReporter} from '../../../src/headless/line-reporter.js';
import {makeStyle} from '../../../src/present/plan-text.js';

describe('lineReporter (plain lines: TERM=dumb, peers add)', () => {
  it('prints where a client config was saved and how the tunnel is brought up, never the key', () => {
    let out = '';
    const report = lineReporter(makeStyle(false), (s) => {
      out += s;
    });
    const conf = '/home/op/.local/state/portcullis/wireguard/vps-admin.conf';
    report({type: 'artifact', id: 'wireguard', path: conf, kind: 'client-config'});
    report({
      type: 'proof.start',
      id: 'verify-tunnel',
      what: 'admin logs in through the tunnel',
      command: 'ssh admin@10.66.0.1',
      tunnel: {confPath: conf, localIface: 'pcw1', connect: false, deadline: 0},
    });
    report({
      type: 'proof.progress',
      id: 'verify-tunnel',
      what: 'admin logs in through the tunnel',
      stage: 'handshake',
      message: 'handshake seen, now log in through the tunnel: ssh admin@10.66.0.1',
    });
    expect(out.split('\n')).toEqual([
      `  ↳ client config saved on this machine: ${conf} (0600, holds the peer's private key)`,
      '  ? proving admin logs in through the tunnel (ssh admin@10.66.0.1)',
      `    bring the tunnel up from your device with ${conf}: sudo wg-quick up ${conf}`,
      '  ✔ handshake seen, now log in through the tunnel: ssh admin@10.66.0.1',
      '',
    ]);
  });
});
