import {createHash} from 'node:crypto';
import {createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {execa} from 'execa';
import {CACHE_ROOT, IMAGE_RECIPE_DIR, VARIANTS_DIR} from './constants.js';
import {debianMirrors} from './mirror.js';

export interface BaseImage {
  hash: string;
  /** Read-only lower dir for the instance overlays. */
  rootfs: string;
  /** True if it was not cached when called (built here, or waited for another builder). */
  built: boolean;
  /** Build duration (0 when cached). */
  ms: number;
}

/** Cache key: every file of the recipe directory, by name and content. */
export function recipeHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(IMAGE_RECIPE_DIR).sort()) {
    h.update(`${f}\0`);
    h.update(readFileSync(join(IMAGE_RECIPE_DIR, f)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

export const imageDir = (hash: string): string => join(CACHE_ROOT, hash);
export const isImageReady = (hash: string): boolean => existsSync(join(imageDir(hash), 'READY'));

/**
 * Returns the cached base image for the current recipe, building it first if needed
 * (debootstrap + offline repo, about a minute). Concurrent callers serialize on a flock in
 * ensure-image.sh and the image only appears complete (atomic rename). The build runs in a
 * private mount+pid namespace: if it dies, no mount or daemon of it survives.
 * The full build log is kept at CACHE_ROOT/<hash>.log.
 */
export async function ensureImage(log: (line: string) => void = () => {}): Promise<BaseImage> {
  const hash = recipeHash();
  const rootfs = join(imageDir(hash), 'rootfs');
  if (isImageReady(hash)) return {hash, rootfs, built: false, ms: 0};
  mkdirSync(CACHE_ROOT, {recursive: true});
  const mirrors = debianMirrors();
  log(`building sandbox base image ${hash} from ${mirrors.debian} (first run only, ~1-3 min)`);
  const started = Date.now();
  const logFile = join(CACHE_ROOT, `${hash}.log`);
  const child = execa(
    'unshare',
    [
      '--mount',
      '--pid',
      '--fork',
      '--mount-proc',
      '--propagation',
      'private',
      'bash',
      join(IMAGE_RECIPE_DIR, 'ensure-image.sh'),
      CACHE_ROOT,
      hash,
      mirrors.debian,
      mirrors.security,
    ],
    {reject: false, all: true, stdin: 'ignore'},
  );
  // Appended: a caller waiting on the lock must not truncate the builder's log.
  const logStream = createWriteStream(logFile, {flags: 'a'});
  logStream.write(`--- ${new Date().toISOString()} pid ${process.pid}\n`);
  // Progress: debootstrap's "I: ..." stages and apt's summary lines, not every package.
  child.all?.on('data', (chunk: Buffer) => {
    logStream.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (/^(I: (Retrieving|Validating|Extracting|Unpacking|Configuring) )/.test(line)) continue;
      // apt in a chroot without /dev/pts: harmless, and not the error it looks like.
      if (line.startsWith('E: Can not write log')) continue;
      if (/^(I: |E: |W: |Fetched |Setting up (ufw|openssh-server|systemd) )/.test(line)) log(line.trim());
    }
  });
  const r = await child;
  await new Promise((resolve) => logStream.end(resolve));
  if (r.exitCode !== 0 || !isImageReady(hash)) {
    const tail = String(r.all ?? '')
      .split('\n')
      .slice(-30)
      .join('\n');
    throw new Error(`sandbox image build failed (exit ${r.exitCode}), log ${logFile}:\n${tail}`);
  }
  const ms = Date.now() - started;
  log(`sandbox base image ${hash} ready in ${(ms / 1000).toFixed(0)} s`);
  return {hash, rootfs, built: true, ms};
}

/**
 * Platform variants (issue 17): each one stands in for a platform the README claims, built as an
 * overlay layer over the cached Debian 12 base (a few installs, seconds to a minute) and cached the
 * same way, keyed by the base hash plus its own recipe files (variants/build-layer.sh and NAME.sh).
 */
export const VARIANTS = ['ssh-socket', 'nftables', 'firewalld', 'openrc', 'trixie', 'docker'] as const;
export type Variant = (typeof VARIANTS)[number];
/** Variants that are a whole image of another Debian suite (built by variants/build-suite.sh), not a layer. */
const SUITES: Partial<Record<Variant, string>> = {trixie: 'trixie'};
/** The variants that are layers over the base (seconds to build): what the e2e global setup builds ahead. */
export const LAYER_VARIANTS: readonly Variant[] = VARIANTS.filter((v) => !SUITES[v]);

export interface VariantImage {
  /** Cache key: `<base hash>-<variant>-<layer hash>`. */
  hash: string;
  /** The overlay lowerdir value: the variant's layer over the base rootfs. */
  lowerDir: string;
  built: boolean;
  ms: number;
}

export function variantKey(variant: Variant, baseHash: string): string {
  const h = createHash('sha256');
  const suite = SUITES[variant];
  if (suite) h.update(`suite ${suite}\0`);
  for (const f of suite ? ['build-suite.sh'] : ['build-layer.sh', `${variant}.sh`]) {
    h.update(`${f}\0`);
    h.update(readFileSync(join(VARIANTS_DIR, f)));
    h.update('\0');
  }
  return `${baseHash}-${variant}-${h.digest('hex').slice(0, 12)}`;
}

/** Ensures the base image, then the variant's layer on top of it (under its own flock, like the base). */
export async function ensureVariant(variant: Variant, log: (line: string) => void = () => {}): Promise<VariantImage> {
  if (!(VARIANTS as readonly string[]).includes(variant)) throw new Error(`no sandbox variant ${variant}`);
  const base = await ensureImage(log);
  const hash = variantKey(variant, base.hash);
  const suite = SUITES[variant];
  // A suite variant's key includes the base recipe's hash, so it is rebuilt whenever the base recipe changes.
  const lowerDir = suite ? join(imageDir(hash), 'rootfs') : `${join(imageDir(hash), 'layer')}:${base.rootfs}`;
  if (isImageReady(hash)) return {hash, lowerDir, built: false, ms: base.ms};
  const mirrors = debianMirrors();
  log(
    `building sandbox variant ${variant} (${hash}) ${suite ? `from Debian ${suite}, ~1-3 min` : 'over the base image'} (first run only)`,
  );
  const started = Date.now();
  const logFile = join(CACHE_ROOT, `${hash}.log`);
  const r = await execa(
    'unshare',
    [
      '--mount',
      '--pid',
      '--fork',
      '--mount-proc',
      '--propagation',
      'private',
      'bash',
      ...(suite
        ? [join(VARIANTS_DIR, 'build-suite.sh'), CACHE_ROOT, hash, suite]
        : [join(VARIANTS_DIR, 'build-layer.sh'), CACHE_ROOT, hash, base.rootfs, join(VARIANTS_DIR, `${variant}.sh`)]),
      mirrors.debian,
      mirrors.security,
    ],
    {reject: false, all: true, stdin: 'ignore'},
  );
  writeFileSync(logFile, `--- ${new Date().toISOString()} pid ${process.pid}\n${r.all ?? ''}\n`, {flag: 'a'});
  if (r.exitCode !== 0 || !isImageReady(hash)) {
    const tail = String(r.all ?? '')
      .split('\n')
      .slice(-30)
      .join('\n');
    throw new Error(`sandbox variant ${variant} build failed (exit ${r.exitCode}), log ${logFile}:\n${tail}`);
  }
  const ms = Date.now() - started;
  log(`sandbox variant ${variant} ready in ${(ms / 1000).toFixed(0)} s`);
  return {hash, lowerDir, built: true, ms: base.ms + ms};
}
