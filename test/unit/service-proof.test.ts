import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {describeService, proveService} from '../../src/engine/service-proof.js';
import {fakeTarget} from '../helpers/fake-target.js';

/** A real HTTP server on loopback stands in for the agent; the fake target answers `systemctl`. */
describe("the service's own proof", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? 200 : 503);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const active = fakeTarget({
    answer: (s) => (s.includes('systemctl') ? {code: 0, stdout: 'MainPID=7\n', stderr: ''} : undefined),
  });
  const proof = (o: {port?: number; path?: string; timeoutS?: number}) => ({
    unit: 'agent.service',
    host: '127.0.0.1',
    timeoutS: 2,
    ...o,
  });

  it('a TCP connect, or a GET below 400, proves an active unit', async () => {
    expect(await proveService(active.target, proof({port}))).toMatchObject({ok: true});
    expect(await proveService(active.target, proof({port, path: '/healthz'}))).toMatchObject({ok: true});
    expect(describeService(proof({port, path: '/healthz'}))).toBe(`GET http://127.0.0.1:${port}/healthz`);
  });

  it('a GET answered 503, or a port nobody listens on, fails with what it saw', async () => {
    const bad = await proveService(active.target, proof({port, path: '/'}));
    expect(bad).toMatchObject({ok: false, reason: expect.stringMatching(/answered 503 \(after 2 s\)$/)});
    const closed = await proveService(active.target, proof({port: 1}));
    expect(closed).toMatchObject({ok: false, reason: expect.stringMatching(/127\.0\.0\.1:1 refused the connection/)});
  }, 20_000);

  it('an inactive unit fails even though something answers on its port', async () => {
    const failed = fakeTarget({
      answer: (s) => (s.includes('systemctl is-active') ? {code: 3, stdout: 'failed\n', stderr: ''} : undefined),
    });
    const r = await proveService(failed.target, proof({port}));
    expect(r).toMatchObject({ok: false, reason: expect.stringMatching(/^agent\.service is failed/)});
  });

  it('without a port: a unit that restarts between two looks is not steady', async () => {
    let n = 0;
    const flapping = fakeTarget({
      answer: (s) => (s.includes('systemctl') ? {code: 0, stdout: `MainPID=${++n}\n`, stderr: ''} : undefined),
    });
    const r = await proveService(flapping.target, proof({timeoutS: 1}));
    expect(r).toMatchObject({ok: false, reason: expect.stringMatching(/does not stay up/)});
    expect(await proveService(active.target, proof({}))).toMatchObject({ok: true});
  }, 20_000);
});
