import {connect} from 'node:net';
import type {ServiceProof} from '../core/types.js';
import type {ProbeResult, Target} from '../target/types.js';
import {quote} from '../util/shell.js';

export function describeService(s: ServiceProof): string {
  if (s.port === undefined) return `systemctl is-active ${s.unit}`;
  const where = s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
  return s.path === undefined ? `tcp ${where}` : `GET http://${where}${s.path}`;
}

function tcpOnce(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = connect({host, port});
    const done = (why: string | undefined) => {
      sock.destroy();
      resolve(why);
    };
    sock.setTimeout(timeoutMs, () => done(`no answer from ${host}:${port} within ${timeoutMs / 1000} s`));
    sock.once('connect', () => done(undefined));
    sock.once('error', (e: NodeJS.ErrnoException) =>
      done(e.code === 'ECONNREFUSED' ? `${host}:${port} refused the connection` : `${host}:${port}: ${e.message}`),
    );
  });
}

async function httpOnce(s: ServiceProof, timeoutMs: number): Promise<string | undefined> {
  const url = `http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}${s.path ?? '/'}`;
  try {
    const r = await fetch(url, {signal: AbortSignal.timeout(timeoutMs), redirect: 'manual'});
    await r.body?.cancel();
    return r.status < 400 ? undefined : `GET ${url} answered ${r.status}`;
  } catch (e) {
    const cause = (e as {cause?: {code?: string}}).cause?.code;
    return `GET ${url} failed${cause ? ` (${cause})` : `: ${(e as Error).message}`}`;
  }
}

/** Retries until the deadline: a unit just restarted may take a moment to listen. */
export async function proveService(target: Target, s: ServiceProof): Promise<ProbeResult> {
  const started = Date.now();
  const deadline = started + s.timeoutS * 1000;
  let last = 'not tried';
  while (Date.now() < deadline) {
    const active = await target.run(`systemctl is-active ${quote(s.unit)}`);
    if (active.code !== 0) last = `${s.unit} is ${active.stdout.trim().replace(/[^a-z-]/g, '') || 'not active'}`;
    else if (s.port === undefined) {
      // Active twice, a moment apart, with the same main process: a unit that crashes and is restarted by
      // Restart= is seen active now and then, but never steady.
      const steady = `systemctl is-active --quiet ${quote(s.unit)} && systemctl show -p MainPID,NRestarts ${quote(s.unit)}`;
      const a = await target.run(steady);
      await new Promise((r) => setTimeout(r, 1500));
      const b = await target.run(steady);
      if (a.code === 0 && b.code === 0 && a.stdout === b.stdout) return {ok: true, ms: Date.now() - started};
      last = `${s.unit} does not stay up (it stops or restarts right after starting)`;
    } else {
      const left = Math.max(1000, Math.min(5000, deadline - Date.now()));
      const why = s.path === undefined ? await tcpOnce(s.host, s.port, left) : await httpOnce(s, left);
      if (why === undefined) return {ok: true, ms: Date.now() - started};
      last = why;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {ok: false, ms: Date.now() - started, reason: `${last} (after ${s.timeoutS} s)`};
}
