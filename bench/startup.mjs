#!/usr/bin/env node
// bench/startup: median wall time of `portcullis --version` and of an offline plan, as a ratio to
// `node -e 0` measured in the same run, interleaved so machine noise hits all three alike; then the
// wizard's time to first frame in a pseudo-terminal (needs script(1) from util-linux).
// Usage: node bench/startup.mjs [runs]   (default 20; needs `npm run build` first)
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const runs = Number(process.argv[2] ?? 20);
const bin = fileURLToPath(new URL('../bin/portcullis.js', import.meta.url));
const cases = [
  {name: 'node -e 0 (baseline)', argv: ['-e', '0']},
  {name: 'portcullis --version', argv: [bin, '--version'], target: 2.0},
  {
    name: 'portcullis plan --platform debian-12',
    // As the README's quick start: admin_sudo, or the admin-user step is refused and the plan exits 1.
    argv: [
      bin,
      'plan',
      '--platform',
      'debian-12',
      '--set',
      'admin_user=admin',
      '--set',
      'admin_sudo=nopasswd',
      '--set',
      'ssh_port=2222',
    ],
    target: 4.0,
  },
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
  console.log(
    `| ${c.name} | ${m.toFixed(1)} | ${ratio.toFixed(2)}x | ${c.target ? `<= ${c.target}x ${ok ? 'ok' : 'MISSED'}` : ''} |`,
  );
}

// Time to first frame: the wizard in a pseudo-terminal (script(1), 80x24) against an unreachable TEST-NET
// address. The first frame (where it connects) must be on screen within 500 ms of start, before any
// network round trip can have completed; "Ink frame" is when Ink itself has taken over the screen.
const firstFrame = await timeToFirstFrame(Math.max(5, Math.ceil(runs / 2)));
if (firstFrame) {
  const ok = firstFrame.first <= 500;
  failed ||= !ok;
  console.log(
    `| wizard: time to first frame (pty) | ${firstFrame.first.toFixed(1)} | | <= 500 ms ${ok ? 'ok' : 'MISSED'} |`,
  );
  console.log(`| wizard: time to Ink's first frame (pty) | ${firstFrame.ink.toFixed(1)} | | |`);
}
process.exitCode = failed ? 1 : 0;

async function timeToFirstFrame(n) {
  const {spawn} = await import('node:child_process');
  const {mkdtempSync, writeFileSync, rmSync} = await import('node:fs');
  const {tmpdir} = await import('node:os');
  const {join} = await import('node:path');
  if (spawnSync('script', ['--version']).status !== 0) {
    console.log('| wizard: time to first frame | skipped: script(1) not found | | |');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-'));
  const config = join(dir, 'ssh_config');
  writeFileSync(config, 'Host *\n  BatchMode yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n');
  const cmd = `stty cols 80 rows 24; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} root@198.51.100.1 --ssh-config ${JSON.stringify(config)}`;
  // Not CI: Ink would draw only its last frame (is-in-ci counts CI set to anything but 0 or false).
  const benchEnv = {...process.env, TERM: 'xterm-256color'};
  delete benchEnv.CI;
  delete benchEnv.CONTINUOUS_INTEGRATION;
  const one = () =>
    new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
      const p = spawn('script', ['-qfec', cmd, '/dev/null'], {
        detached: true,
        stdio: ['pipe', 'pipe', 'ignore'],
        env: benchEnv,
      });
      let out = '';
      let first;
      const done = (v, err) => {
        clearTimeout(timer);
        try {
          process.kill(-p.pid, 'SIGKILL');
        } catch {}
        err ? reject(err) : resolve(v);
      };
      const timer = setTimeout(
        () => done(undefined, new Error(`no first frame in 5 s; got: ${JSON.stringify(out.slice(0, 300))}`)),
        5000,
      );
      p.stdout.on('data', (d) => {
        out += d;
        if (first === undefined && out.includes('connecting to root@198.51.100.1')) {
          first = ms();
          if (/unreachable|could not/.test(out))
            done(undefined, new Error('the network answered before the first frame'));
        }
        // Ink's own frame: its spinner replaces the plain frame's ◌.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what is stripped
        const text = out.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
        if (first !== undefined && /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] connecting to/.test(text)) done({first, ink: ms()});
      });
    });
  const firsts = [];
  const inks = [];
  try {
    for (let i = 0; i < n; i++) {
      const r = await one();
      firsts.push(r.first);
      inks.push(r.ink);
    }
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
  return {first: median(firsts), ink: median(inks)};
}
