// Runs a bench script bundled by esbuild the way the CLI ships (scripts/bundle.mjs: one ESM bundle, no
// tsx in the process), so the CPU a bench measures is the shipped code's, not the TypeScript loader's.
//   node bench/bundled.mjs fleet.ts [args...]
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {build} from 'esbuild';

const [script, ...args] = process.argv.slice(2);
if (!script) throw new Error('usage: node bench/bundled.mjs SCRIPT.ts [args...]');
const dir = mkdtempSync(join(tmpdir(), 'pc-bench-bundle-'));
try {
  const out = join(dir, 'bench.mjs');
  await build({
    entryPoints: [new URL(script, import.meta.url).pathname],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['react-devtools-core'],
    banner: {
      js: "import {createRequire as __pcRequire} from 'node:module'; const require = __pcRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const r = spawnSync(process.execPath, [out, ...args], {stdio: 'inherit'});
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, {recursive: true, force: true});
}
