import type {Facts} from '../src/core/facts.js';
import {parsePortSpec, parseTunnelPort} from '../src/core/firewall-policy.js';
import type {RunValues} from '../src/core/values.js';
import {formatSubnet, tunnelSubnet} from '../src/wg/subnet.js';

/** The firewall's parameters: the firewall step's, and close-ports' (which closes what the firewall opened). */
export interface FirewallParams {
  admin?: string;
  /** The recipe's SSH port: allowed too while a port move is under way. */
  sshPort?: number;
  /** WireGuard's UDP port, unless `firewall_allow_wireguard` is false. */
  wgPort?: number;
  publicPorts: {port: number; proto: 'tcp' | 'udp'}[];
  /** `tunnel_ports`: the server's own services, let in only through the tunnel (only from `peers` when named). */
  tunnelPorts: {port: number; proto: 'tcp' | 'udp'; peers: string[]}[];
  /** The tunnel network the recipe asks for (firewalld's rich rules need it): used while wg0.conf does not exist yet. */
  tunnelNet: string;
  timeout: number;
}

export function firewallParams(values: RunValues, facts: Facts): FirewallParams {
  return {
    admin: values.admin_user,
    sshPort: values.ssh_port,
    // macOS is no WireGuard server for portcullis (the wireguard step refuses there): no port to open for it.
    wgPort: !values.firewall_allow_wireguard || facts.family === 'macos' ? undefined : values.wg_port,
    publicPorts: values.public_ports.map((s) => parsePortSpec(s)),
    tunnelPorts: values.tunnel_ports.map((s) => parseTunnelPort(s)),
    tunnelNet: formatSubnet(tunnelSubnet(values.wg_subnet, facts)),
    timeout: values.confirm_timeout,
  };
}
