import type {TestProject} from 'vitest/node';
import {ensureImage, ensureVariant, LAYER_VARIANTS, VARIANTS} from '../sandbox/image.js';
import {e2eBlocker} from '../sandbox/preflight.js';
import {reapGarbage, reportIsEmpty, type TeardownReport} from '../sandbox/teardown.js';

const log = (line: string): void => console.log(`[e2e setup] ${line}`);

function describeLeak(r: TeardownReport): string {
  const parts = [
    ...r.processes.map((p) => `process ${p.pid} (${p.cmd.slice(0, 80)})`),
    ...r.netns.map((n) => `netns ${n}`),
    ...r.mounts.map((m) => `mount ${m}`),
    ...r.wgSockets.map((s) => `socket ${s}`),
    ...(r.dir ? ['instance dir'] : []),
  ];
  return `${r.name}: ${parts.join(', ')}`;
}

/**
 * Once per e2e run: decide whether e2e can run (a skip is a failure when CI=true), reap
 * leftovers of crashed runs, and build the cached sandbox image and its platform variants so the
 * first test does not pay for them. Teardown fails the run if any test leaked a namespace, mount or process
 * (after removing it).
 */
// ProvidedContext['portcullisE2eSkip'] is declared in ../sandbox/e2e-skip.ts.
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const blocker = e2eBlocker();
  if (blocker) {
    if (process.env.CI === 'true') throw new Error(`e2e cannot run in CI: ${blocker}`);
    console.warn(`\n  e2e skipped: ${blocker}\n`);
    process.env.PORTCULLIS_E2E_SKIP = blocker;
    project.provide('portcullisE2eSkip', blocker);
    return undefined;
  }
  project.provide('portcullisE2eSkip', '');
  for (const r of reapGarbage()) log(`reaped leftovers of a previous run: ${describeLeak(r)}`);
  const started = Date.now();
  const image = await ensureImage(log);
  log(`sandbox image ${image.hash} ${image.built ? 'built' : 'cached'} (${Date.now() - started} ms)`);
  // The platform variants (issue 17) that are overlay layers over the base: built once here, not inside a
  // test's time. A whole-suite variant (trixie, ~5 min once) is built here too, but beside the tests rather than
  // before them: the first start() that asks for it waits on the build's flock (build-suite.sh), other files run.
  for (const v of LAYER_VARIANTS) {
    const t = Date.now();
    const layer = await ensureVariant(v, log);
    log(`sandbox variant ${v} ${layer.built ? 'built' : 'cached'} (${Date.now() - t} ms)`);
  }
  const suites = VARIANTS.filter((v) => !LAYER_VARIANTS.includes(v)).map((v) => {
    const t = Date.now();
    return ensureVariant(v, log).then(
      (img) => log(`sandbox variant ${v} ${img.built ? 'built' : 'cached'} (${Date.now() - t} ms)`),
      // The test that boots it reports the failure (its start() builds again and throws the log's tail).
      (err: Error) => log(`sandbox variant ${v} not built here: ${err.message.split('\n')[0]}`),
    );
  });

  return async () => {
    await Promise.all(suites);
    // Test workers are gone by now, so every instance still here leaked; the main process
    // owns none unless tests ran in-process, which counts as a leak too.
    const leaks = reapGarbage(true).filter((r) => !reportIsEmpty(r));
    if (leaks.length > 0) {
      throw new Error(`e2e sandbox leaked (now cleaned up):\n  ${leaks.map(describeLeak).join('\n  ')}`);
    }
  };
}
