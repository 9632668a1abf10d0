import type {Backend} from '../../core/firewall-policy.js';
import {firewalld} from './firewalld.js';
import {nftables} from './nftables.js';
import {pf} from './pf.js';
import type {FirewallBackend} from './types.js';
import {ufw} from './ufw.js';

export {type AllowRule, type Backend, firewallBackend} from '../../core/firewall-policy.js';

/** Per-backend command generation: one module each. */
export const BACKENDS: Record<Backend, FirewallBackend> = {ufw, firewalld, nftables, pf};
