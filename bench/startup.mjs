#!/usr/bin/env node
// bench/startup: median wall time of `portcullis --version` and of an offline plan, as a ratio to
// `node -e 0` measured in the same run, interleaved so machine noise hits all three alike.
// Usage: node bench/startup.mjs [runs]   (default 20; needs `npm run build` first)
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const runs = Number(process.argv[2] ?? 20);
const bin = fileURLToPath(new URL('../bin/portcullis.js', import.meta.url));
const cases = [
  {name: 'node -e 0 (baseline)', argv: ['-e', '0']},
  {name: 'portcullis --version', argv: [bin, '--version'], target: 2.0},
  {name: 'portcullis plan --platform debian-12', argv: [bin, 'plan', '--platform', 'debian-12', '--set', 'admin_user=admin', '--set', 'ssh_port=2222'], target: 4.0},
];
const times = cases.map(() => []);
for (let i = 0; i < runs + 2; i++) {
  for (const [k, c] of cases.entries()) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, c.argv, {stdio: ['ignore', 'ignore', 'pipe']});
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`);
    if (i >= 2) times[k].push(ms); // two warm-up rounds fill the page cache
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(times[0]);
let failed = false;
console.log(`startup benchmark: ${runs} runs each, medians, ${process.version} on ${process.platform}`);
console.log('| command | median ms | ratio to node | target |');
console.log('|---|---:|---:|---:|');
for (const [k, c] of cases.entries()) {
  const m = median(times[k]);
  const ratio = m / base;
  const ok = c.target === undefined || ratio <= c.target;
  failed ||= !ok;
  console.log(`| ${c.name} | ${m.toFixed(1)} | ${ratio.toFixed(2)}x | ${c.target ? `<= ${c.target}x ${ok ? 'ok' : 'MISSED'}` : ''} |`);
}
process.exitCode = failed ? 1 : 0;
