import type {Action} from '../core/types.js';
import type {ProofRoute, Target} from '../target/types.js';
import {quote} from '../util/shell.js';
import type {ApplyOptions} from './apply-options.js';

export async function proveWithRetry(target: Target, a: Extract<Action, {kind: 'proof'}>) {
  // A daemon that was just reloaded may need a moment; a refused or reset connection is retried briefly.
  let res = await target.probe(a.route);
  for (let i = 0; i < 3 && !res.ok && /refused|closed the connection/.test(res.reason); i++) {
    await new Promise((r) => setTimeout(r, 400));
    res = await target.probe(a.route);
  }
  return res;
}

/**
 * Through the tunnel: bring it up on this machine when asked, wait for a fresh handshake of that peer on
 * the server, then log in through it: a fresh ssh to the tunnel address, or, when the operator connects
 * by hand, their own login from the tunnel address seen in sshd's log.
 */
export async function proveTunnel(
  o: ApplyOptions,
  id: string,
  t: NonNullable<Extract<Action, {kind: 'proof'}>['tunnel']>,
  route: ProofRoute,
  what: string,
) {
  const started = Date.now();
  const deadline = started + t.timeoutS * 1000;
  if (t.connect) {
    if (!o.operator)
      return {ok: false as const, ms: 0, reason: 'this run cannot bring a tunnel up on the operator machine'};
    try {
      await o.operator.connectTunnel(t.confPath, t.localIface);
    } catch (e) {
      return {ok: false as const, ms: Date.now() - started, reason: (e as Error).message};
    }
  }
  const since = Math.floor(started / 1000) - 5;
  // Healthy means a handshake in the last 180 s (sessions live 2-3 minutes), by the server's own clock.
  const handshake = `s=$(( $(date +%s) - 180 )); wg show ${quote(t.iface)} latest-handshakes | awk -v k=${quote(t.publicKey)} -v s="$s" '$1 == k && $2 >= s {f=1} END {exit f ? 0 : 1}'`;
  const fresh = async () => (await o.target.run(handshake)).code === 0;
  let last = 'no handshake yet';
  let seen = false;
  // A stop asked for while waiting ends the wait: the proof fails, so the step rolls back at once (a step
  // with nothing to undo just stops) instead of holding the operator until the deadline.
  const stopped = () => o.signal?.aborted === true;
  // One abort listener at a time: each pause removes its own when it ends (a long wait must not pile
  // them up on the run's signal).
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer: {t?: ReturnType<typeof setTimeout>} = {};
      const done = () => {
        clearTimeout(timer.t);
        o.signal?.removeEventListener('abort', done);
        resolve();
      };
      timer.t = setTimeout(done, ms);
      o.signal?.addEventListener('abort', done, {once: true});
    });
  while (Date.now() < deadline) {
    if (stopped())
      return {ok: false as const, ms: Date.now() - started, reason: 'stopped by the operator while waiting'};
    if (t.connect || t.up) {
      // The login attempt itself sends traffic into the tunnel, which starts the handshake.
      const left = Math.max(2, Math.min(8, Math.floor((deadline - Date.now()) / 1000)));
      const r = await o.target.probe({...route, timeoutS: left});
      if (r.ok && (await fresh())) return {ok: true as const, ms: Date.now() - started};
      if (!r.ok) last = r.reason;
    } else {
      const login = `journalctl -q --no-pager -o cat --since ${quote(`@${since}`)} _COMM=sshd _COMM=sshd-session 2>/dev/null | grep -q ${quote(`Accepted publickey for ${route.user ?? o.target.user} from ${t.peerAddress} `)}`;
      const shaken = await fresh();
      if (shaken && !seen) {
        seen = true;
        const message = `handshake seen, now log in through the tunnel: ${o.target.describeRoute(route)}`;
        o.events({type: 'proof.progress', id, what, stage: 'handshake', message});
      }
      if (shaken && (await o.target.run(login)).code === 0) return {ok: true as const, ms: Date.now() - started};
      await pause(1000);
    }
  }
  const hs = (await fresh()) ? 'the handshake came through' : `no handshake from peer ${t.peer} reached the server`;
  return {
    ok: false as const,
    ms: Date.now() - started,
    reason: `${hs} within ${t.timeoutS} s, and no login through the tunnel (${what}): ${last}; is UDP blocked on the way, or the tunnel not up on your side?`,
  };
}
