import {describe, expect, it} from 'vitest';
import type {JournalEntry} from '../../src/engine/journal.js';
import {rollbackSteps} from '../../src/engine/rollback.js';
import {hopRoutes, parseArrival, runStart, threat} from '../../src/engine/rollback-route.js';
import type {ProofRoute, Target} from '../../src/target/types.js';
import {fakeTarget} from '../helpers/fake-target.js';

const RUN = '20261203-000000-abcd';
const ENTRIES: JournalEntry[] = [
  {run: RUN, kind: 'run.begin', target: 'root@192.0.2.10:22', recipe: 'fresh-vps', tool: 'portcullis'},
  {run: RUN, kind: 'step.begin', step: 'admin-user', touches: ['/etc/shadow']},
  {run: RUN, kind: 'step.begin', step: 'ssh-hardening', touches: ['/etc/ssh/sshd_config.d/00-portcullis.conf']},
  {run: RUN, kind: 'step.begin', step: 'wireguard', touches: ['/etc/wireguard/wg0.conf']},
  {run: RUN, kind: 'step.begin', step: 'close-ports', touches: ['/etc/ufw/user.rules']},
];
const TUNNEL = {address: '10.66.0.1', iface: 'wg0', wireguard: ['wg0']};

/** A target as the rollback sees it through the tunnel: admin@10.66.0.1:2222. */
function through(host = '10.66.0.1', user = 'admin', port = 2222) {
  const {target, scripts} = fakeTarget();
  return {target: {...target, host, user, port, label: `${user}@${host}:${port}`}, scripts};
}

describe('where a rollback arrived, as the server says', () => {
  it('reads the address, its interface and the WireGuard interfaces', () => {
    expect(parseArrival('addr=10.66.0.1\niface=wg0\nwg=wg0\n')).toEqual(TUNNEL);
    expect(parseArrival('addr=192.0.2.10\niface=eth0@if12\n')).toEqual({
      address: '192.0.2.10',
      iface: 'eth0',
      wireguard: [],
    });
  });

  it('drops what is not an address or an interface name (the server may lie)', () => {
    const hostile = parseArrival(
      'addr=1.2.3.4;reboot\niface=wg0 -oProxyCommand=x\nwg=$(id)\nwg=a-very-long-interface-name\n',
    );
    expect(hostile).toEqual({address: '', wireguard: []});
  });
});

describe('what a step rollback would cut', () => {
  it('the WireGuard step, for a login that came through its interface', () => {
    const {target} = through();
    expect(threat(ENTRIES, {run: RUN, step: 'wireguard'}, TUNNEL, target)).toBe('tunnel');
    expect(threat(ENTRIES, {run: RUN, step: 'close-ports'}, TUNNEL, target)).toBeUndefined();
    const publicArrival = {address: '192.0.2.10', iface: 'eth0', wireguard: ['wg0']};
    expect(threat(ENTRIES, {run: RUN, step: 'wireguard'}, publicArrival, target)).toBeUndefined();
  });

  it("a run's first change, when the run started as another account", () => {
    expect(threat(ENTRIES, {run: RUN, step: 'admin-user'}, TUNNEL, through().target)).toBe('account');
    expect(threat(ENTRIES, {run: RUN, step: 'admin-user'}, TUNNEL, through('192.0.2.10', 'root', 22).target)).toBe(
      undefined,
    );
  });
});

describe('the way in to move to', () => {
  it('through the tunnel: the same account and port on the address the run came in on', () => {
    const {target} = through();
    expect(hopRoutes(ENTRIES, {run: RUN, step: 'wireguard'}, 'tunnel', TUNNEL, target)).toEqual([
      {user: 'admin', host: '192.0.2.10', port: 2222, timeoutS: 8},
    ]);
  });

  it("before a run's first change: the way that run started", () => {
    const {target} = through();
    expect(hopRoutes(ENTRIES, {run: RUN, step: 'admin-user'}, 'account', TUNNEL, target)).toEqual([
      {user: 'root', host: '192.0.2.10', port: 22, timeoutS: 8},
    ]);
  });

  it('never takes a journaled target that could be read as an ssh option', () => {
    const bad: JournalEntry[] = [
      {run: 'r', kind: 'run.begin', target: '-oProxyCommand=touch /tmp/x', recipe: '', tool: 'portcullis'},
      {run: 'r', kind: 'step.begin', step: 'wireguard', touches: ['/etc/wireguard/wg0.conf']},
    ];
    expect(runStart(bad, 'r')).toBeUndefined();
    expect(hopRoutes(bad, {run: 'r', step: 'wireguard'}, 'tunnel', TUNNEL, through().target)).toEqual([]);
  });
});

describe('rollbackSteps keeps the connection it runs on until another is proven', () => {
  const list = [
    {run: RUN, step: 'close-ports'},
    {run: RUN, step: 'wireguard'},
  ];
  const arrivalAnswer = (out: string) => (script: string) =>
    script.includes('wg show interfaces') ? {code: 0, stdout: out, stderr: ''} : undefined;

  it('moves to the public address before removing the tunnel, and not before close-ports', async () => {
    const ran: string[] = [];
    const publicSide = fakeTarget({answer: arrivalAnswer('addr=192.0.2.10\niface=eth0\nwg=wg0\n')});
    const tunnel = fakeTarget({answer: arrivalAnswer('addr=10.66.0.1\niface=wg0\nwg=wg0\n')});
    const proofs: ProofRoute[] = [];
    const target: Target = {
      ...tunnel.target,
      host: '10.66.0.1',
      user: 'admin',
      port: 2222,
      probe: async (r) => {
        proofs.push(r);
        return {ok: true, ms: 1};
      },
      reroute: async () => publicSide.target,
    };
    const hops: string[] = [];
    const last = await rollbackSteps(target, ENTRIES, list, {step: (s) => ran.push(s.step), hop: (m) => hops.push(m)});
    expect(ran).toEqual(['close-ports', 'wireguard']);
    expect(proofs).toEqual([{user: 'admin', host: '192.0.2.10', port: 2222, timeoutS: 8}]);
    expect(last).toBe(publicSide.target);
    // close-ports ran through the tunnel, wireguard over the public address.
    expect(tunnel.scripts.some((s) => s.includes('close-ports/rollback.sh'))).toBe(true);
    expect(tunnel.scripts.some((s) => s.includes('wireguard/rollback.sh'))).toBe(false);
    expect(publicSide.scripts.some((s) => s.includes('wireguard/rollback.sh'))).toBe(true);
    expect(hops).toHaveLength(1);
  });

  it('stops before the tunnel, keeping it, when the public address lets no login in', async () => {
    const tunnel = fakeTarget({answer: arrivalAnswer('addr=10.66.0.1\niface=wg0\nwg=wg0\n')});
    const target: Target = {
      ...tunnel.target,
      host: '10.66.0.1',
      user: 'admin',
      port: 2222,
      probe: async () => ({ok: false, ms: 1, reason: 'timed out'}),
      describeRoute: (r) => `ssh -p ${r.port} ${r.user}@${r.host}`,
      reroute: async () => {
        throw new Error('must not reconnect without a proof');
      },
    };
    const ran: string[] = [];
    await expect(rollbackSteps(target, ENTRIES, list, {step: (s) => ran.push(s.step), hop: () => {}})).rejects.toThrow(
      /stopped before rolling back wireguard: .*ssh -p 2222 admin@192\.0\.2\.10: timed out.*the tunnel is kept/,
    );
    expect(ran).toEqual(['close-ports']);
    expect(tunnel.scripts.some((s) => s.includes('wireguard/rollback.sh'))).toBe(false);
  });
});
