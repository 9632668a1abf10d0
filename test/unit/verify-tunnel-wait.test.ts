import {describe, expect, it} from 'vitest';
import {profileFacts} from '../../src/platform/profiles.js';
import {GUIDED_TUNNEL_WAIT_S, verifyParams} from '../../steps/verify-tunnel.js';
import {runOf, runValues} from '../helpers/run-values.js';

const verify = (v: Record<string, unknown>, facts: ReturnType<typeof profileFacts>) =>
  verifyParams(runValues(v, facts), facts, runOf(v));

describe('the wait for the first handshake', () => {
  const facts = profileFacts('debian-12');
  const base = {admin_user: 'admin', wg_subnet: '10.66.0.0/24', target_host: '192.0.2.10', confirm_timeout: 45};

  it('in a guided run it is not the dead-man window: long enough to install the app and scan the code', () => {
    expect(verify({...base, interactive: true}, facts).timeoutS).toBe(GUIDED_TUNNEL_WAIT_S);
    expect(GUIDED_TUNNEL_WAIT_S).toBeGreaterThanOrEqual(600);
  });

  it('when this machine brings the tunnel up itself (headless --connect-tunnel), the window as before', () => {
    expect(verify({...base, connect_tunnel: true}, facts).timeoutS).toBe(45);
    expect(verify({...base, interactive: true, connect_tunnel: true}, facts).timeoutS).toBe(45);
  });
});
