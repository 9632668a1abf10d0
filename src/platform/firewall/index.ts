import {firewalld} from './firewalld.js';
import {nftables} from './nftables.js';
import {pf} from './pf.js';
import type {Backend} from './policy.js';
import type {FirewallBackend} from './types.js';
import {ufw} from './ufw.js';

export {type AllowRule, type Backend, firewallBackend} from './policy.js';

/** Per-backend command generation: one module each. */
export const BACKENDS: Record<Backend, FirewallBackend> = {ufw, firewalld, nftables, pf};
