import type {GivenValues} from '../core/values.js';
import {detectFacts} from '../platform/detect.js';
import {type Endpoint, formatEndpoint} from '../target/endpoint.js';
import {SshTarget} from '../target/ssh-target.js';
import type {Target} from '../target/types.js';
import type {Opened} from './host-run.js';
import type {FleetHost} from './host-vars.js';

export interface SshDefaults {
  sshConfig?: string;
  /** -i for hosts without ansible_ssh_private_key_file. */
  identity?: string;
  acceptNewHostKey?: boolean;
}

/**
 * The ways in to try for a host, in order: the inventory's (ansible_user/host/port), then the one the
 * recipe leaves behind (admin_user on ssh_port), when it differs. A fleet run that stopped half-way
 * leaves hosts in both states; the same inventory reaches both, so the same command re-runs it.
 */
export function waysIn(host: FleetHost, values: GivenValues): Endpoint[] {
  const first = host.endpoint;
  const user = values.admin_user;
  const port = values.ssh_port;
  if (user === undefined && port === undefined) return [first];
  const left: Endpoint = {host: first.host, user: user ?? first.user, port: port ?? first.port};
  return formatEndpoint(left) === formatEndpoint(first) ? [first] : [first, left];
}

/**
 * Opens the first way in that answers, with its facts read (the first round trip). The second way is
 * pinned to the host key known for the first (HostKeyAlias), when the first is on the default port. Only
 * a connection that fails (ssh's own failure: refused, timed out, key refused) moves on to the next.
 */
export async function openSsh(host: FleetHost, values: GivenValues, o: SshDefaults): Promise<Opened> {
  const ways = waysIn(host, values);
  const reasons: string[] = [];
  for (const [i, endpoint] of ways.entries()) {
    let target: Target | undefined;
    try {
      target = await SshTarget.create({
        endpoint,
        configFile: o.sshConfig,
        identity: host.identity ?? o.identity,
        acceptNewHostKey: o.acceptNewHostKey,
        // Never a prompt: hosts run side by side. PORTCULLIS_SUDO_PASSWORD serves every host.
        sudoPassword: async () => process.env.PORTCULLIS_SUDO_PASSWORD,
        hostKeyAlias: i > 0 && (ways[0]?.port ?? 22) === 22 ? host.endpoint.host : undefined,
      });
      const facts = await detectFacts(target);
      return {target, facts};
    } catch (e) {
      await target?.close().catch(() => undefined);
      const msg = (e as Error).message;
      // In, but sudo said no: another way in would not change that.
      if (/^sudo on /.test(msg)) return {failed: msg};
      // ssh's own message names the way in (user@host:port as ssh resolved it).
      reasons.push(msg);
    }
  }
  return {unreachable: reasons.join('; ')};
}
