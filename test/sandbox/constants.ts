import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

/** Machine-wide cache of base images, one directory per recipe hash. Never inside the repo. */
export const CACHE_ROOT = process.env.PORTCULLIS_SANDBOX_CACHE ?? '/var/cache/portcullis-sandbox';
/** One directory per instance: overlay upper/work, operator key, laptop HOME, boot log, state. */
export const RUN_ROOT = process.env.PORTCULLIS_SANDBOX_RUN ?? '/var/tmp/portcullis-sandbox';
/** Where `npm run sandbox -- up` records the long-lived instance. */
export const CLI_STATE_FILE = '/run/portcullis-sandbox/current.json';

export const SANDBOX_DIR = fileURLToPath(new URL('.', import.meta.url));
export const IMAGE_RECIPE_DIR = fileURLToPath(new URL('./image/', import.meta.url));
/** Platform variants: overlay layers over the base image (image.ts ensureVariant). */
export const VARIANTS_DIR = fileURLToPath(new URL('./variants/', import.meta.url));
export const LAUNCH_SCRIPT = fileURLToPath(new URL('./launch.sh', import.meta.url));

/** Instance names: `pc` + 6 hex. Netns, machine and WireGuard names all start with it. */
export const NAME_PATTERN = /^pc[0-9a-f]{6}$/;
export const NETNS_PATTERN = /^(pc[0-9a-f]{6})-(sw|vps|lap|att)$/;

export const VPS_IP = '192.0.2.10';
export const VPS_IP6 = '2001:db8::10';
export const LAPTOP_IP = '192.0.2.20';
export const LAPTOP_IP6 = '2001:db8::20';
export const ATTACKER_IP = '192.0.2.66';
export const ATTACKER_IP6 = '2001:db8::66';
export const PREFIX_LEN = 24;
export const PREFIX_LEN6 = 64;

/** Credentials baked into the image (see image/build-rootfs.sh): the provider's defaults. */
export const ROOT_PASSWORD = 'root-pw';
export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'admin-pw';

/** The service that listens on 0.0.0.0 but should never be reachable from outside. */
export const INTERNAL_SERVICE = {unit: 'metrics-dashboard.service', port: 8080, body: 'internal metrics dashboard'};

/** The state of a fresh instance, as the image recipe builds it. Tests assert against these. */
export const VPS_TRAPS = {
  permitRootLogin: 'yes',
  passwordAuthentication: 'yes',
  cloudInitDropIn: '/etc/ssh/sshd_config.d/50-cloud-init.conf',
  offlineRepo: '/opt/offline-repo',
} as const;

/** Offered by the offline apt repository (plus their dependencies and recommends). */
export const OFFLINE_PACKAGES: readonly string[] = readFileSync(`${IMAGE_RECIPE_DIR}packages-offline.txt`, 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
