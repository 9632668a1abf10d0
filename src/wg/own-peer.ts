import {safeName} from '../util/validate.js';

/**
 * The operator's own WireGuard peer: named after the admin user (given, or the non-root login), else
 * "operator". A login name may start with _, which no peer name does: refused here with its reason.
 */
export function ownPeerName(adminUser: string | undefined): string {
  return safeName(adminUser ?? 'operator', 'peer name');
}
