// Bundles the CLI into dist/bundle (ESM, code-split at the dynamic imports: the Ink wizard, listr2 and
// each command load only when used). One file graph instead of hundreds of module files halves the
// time Node spends loading before the first SSH round trip (see docs/benchmarks.md, startup).
import {rmSync} from 'node:fs';
import {build} from 'esbuild';

rmSync(new URL('../dist/bundle', import.meta.url), {recursive: true, force: true});
await build({
  entryPoints: {main: new URL('../src/cli/main.ts', import.meta.url).pathname},
  outdir: new URL('../dist/bundle', import.meta.url).pathname,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Ink imports it only when DEV=true (React DevTools); never installed.
  external: ['react-devtools-core'],
  // Dependencies written as CommonJS call require() for Node built-ins.
  banner: {
    js: "import {createRequire as __pcRequire} from 'node:module'; const require = __pcRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
