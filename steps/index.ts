import type {Step} from '../src/core/types.js';
import {InputError} from '../src/util/errors.js';
import {adminUser} from './admin-user.js';
import {closePorts} from './close-ports.js';
import {dockerFirewall} from './docker-firewall.js';
import {evidence} from './evidence.js';
import {fail2ban} from './fail2ban.js';
import {firewall} from './firewall.js';
import {hardenUnits} from './harden-units.js';
import {lockdown} from './lockdown/index.js';
import {preflight} from './preflight.js';
import {serviceUser} from './service-user.js';
import {sshHardening} from './ssh-hardening.js';
import {sysctl} from './sysctl.js';
import {team} from './team/index.js';
import {updates} from './updates.js';
import {verifyTunnel} from './verify-tunnel.js';
import {watch} from './watch.js';
import {wireguard} from './wireguard.js';

/** Every step, in runbook order. A recipe lists a subset; the order here is the order they run in. */
export const STEPS: readonly Step<unknown>[] = [
  preflight,
  evidence,
  lockdown,
  adminUser,
  sshHardening,
  firewall,
  fail2ban,
  sysctl,
  updates,
  wireguard,
  team,
  dockerFirewall,
  watch,
  verifyTunnel,
  serviceUser,
  hardenUnits,
  closePorts,
] as Step<unknown>[];

export function stepsFor(ids: readonly string[]): Step<unknown>[] {
  const known = new Map(STEPS.map((s) => [s.id, s]));
  for (const id of ids) {
    if (!known.has(id))
      throw new InputError(
        `recipe step ${JSON.stringify(id)} does not exist; steps: ${STEPS.map((s) => s.id).join(', ')}`,
      );
  }
  return STEPS.filter((s) => ids.includes(s.id));
}
