// The e2e sandbox: disposable "fresh VPS" instances (systemd-nspawn over a cached Debian 12
// image) with an operator laptop and an attacker on a private LAN. See test/sandbox/README.md.
export {
  ADMIN_PASSWORD,
  ADMIN_USER,
  ATTACKER_IP,
  ATTACKER_IP6,
  INTERNAL_SERVICE,
  LAPTOP_IP,
  LAPTOP_IP6,
  OFFLINE_PACKAGES,
  ROOT_PASSWORD,
  VPS_IP,
  VPS_IP6,
  VPS_TRAPS,
} from './constants.js';
export {type BaseImage, ensureImage, ensureVariant, recipeHash, VARIANTS, type Variant} from './image.js';
export {Laptop, laptopWgConf, stripWgGoBanner} from './laptop.js';
export {type HostEnv, NetHost} from './net-host.js';
export {e2eBlocker} from './preflight.js';
export type {RunOptions, RunResult, SandboxChild, StartChildOptions} from './run.js';
export {attach, type BootTimings, Sandbox, type StartOptions, start} from './sandbox.js';
export {findGarbage, reapGarbage, type TeardownReport, teardownSync} from './teardown.js';
