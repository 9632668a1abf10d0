// Fleet benchmark: 500 inventory hosts on the recording fake target (test/helpers/fake-target.ts), every
// round trip and proof login 50 ms, hosts that fail at random (a proof that does not get in: the step
// rolls back) or do not answer at all. The real inventory parser, batches, runner, per-host engine
// (applyRunbook: lock, timer, proofs, journal) and output lines; only the network is simulated.
//   node --import tsx bench/fleet.ts [hosts=500] [forks=50] [serial=1,5,50] [rounds=5]
//   node bench/bundled.mjs fleet.ts ...   (the same, bundled by esbuild as the CLI ships: no tsx)
// Side by side, each round: the ideal (for each batch, its slowest host run alone: each kind of host
// measured solo, 3 times before the fleet run and 3 times after, median), then the fleet run between
// those. Beside the ratio, what could slow the worst rounds: the load average, the event loop's delay
// (p99, max), garbage collection during the run, and where the time beyond the ideal went: hosts of a
// batch slowing each other (each batch's slowest host in the run minus alone) or the runner between
// batches (wall minus each batch's slowest host in the run). Memory: the process's peak resident set
// (VmHWM). BENCH_NO_JOURNAL=1 leaves out each host's journal copy on this machine (to see its cost).
// A measurement, not a timed test.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {monitorEventLoopDelay, PerformanceObserver, performance} from 'node:perf_hooks';
import type {Action, Step} from '../src/core/types.js';
import {resolveValues} from '../src/core/values.js';
import {makeBatches, parseSerial} from '../src/fleet/batches.js';
import {type HostRunContext, runHost} from '../src/fleet/host-run.js';
import {type FleetHost, groupIndex, resolveHost} from '../src/fleet/host-vars.js';
import {parseInventory} from '../src/fleet/inventory.js';
import {QueuedJournal} from '../src/fleet/queued-journal.js';
import {runFleet} from '../src/fleet/runner.js';
import {summaryTable} from '../src/fleet/summary.js';
import {detectFacts} from '../src/platform/detect.js';
import {valuesSchema} from '../src/recipes/schema.js';
import type {Target} from '../src/target/types.js';
import {fakeTarget} from '../test/helpers/fake-target.js';

const HOSTS = Number(process.argv[2] ?? 500);
const FORKS = Number(process.argv[3] ?? 50);
const SERIAL = process.argv[4] ?? '1,5,50';
const ROUNDS = Number(process.argv[5] ?? 5);
const RTT_MS = 50;
const FAIL_RATE = 0.05;
const DOWN_RATE = 0.01;

type Kind = 'ok' | 'fails' | 'down';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Seeded, so every run draws the same fleet. The canary (host 1) is healthy: a failed canary stops the run.
let seed = 20;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const kinds = new Map<string, Kind>();

function inventoryText(n: number): string {
  const lines = ['[web]'];
  for (let i = 1; i <= n; i++) {
    const name = `web${String(i).padStart(3, '0')}`;
    const x = rand();
    kinds.set(name, i === 1 ? 'ok' : x < DOWN_RATE ? 'down' : x < DOWN_RATE + FAIL_RATE ? 'fails' : 'ok');
    lines.push(`${name} ansible_host=10.${Math.floor(i / 250)}.${i % 250}.1 ansible_user=root`);
  }
  lines.push('[web:vars]', 'admin_user=admin', 'ssh_port=2222');
  return `${lines.join('\n')}\n`;
}

const write = (path: string): Action => ({kind: 'file.write', path, content: 'x\n', mode: 0o644});
/** The shape of the real runbook's first steps: a read-only one, a reversible change, a change under the timer. */
const STEPS: Step<unknown>[] = [
  step('preflight', 'safe', []),
  step('admin-user', 'reversible', [
    write('/etc/sudoers.d/90-admin'),
    {kind: 'proof', route: {user: 'admin'}, what: 'admin logs in'},
  ]),
  step('ssh-hardening', 'lockout', [
    {kind: 'timer.arm', seconds: 120},
    write('/etc/ssh/sshd_config.d/00-portcullis.conf'),
    {kind: 'proof', route: {user: 'admin', port: 2222}, what: 'admin logs in on 2222'},
    {kind: 'timer.disarm'},
  ]),
];

function step(id: string, risk: Step['risk'], actions: Action[]): Step<unknown> {
  return {
    id,
    title: id,
    why: 'bench',
    risk,
    undo: 'bench',
    params: () => ({}),
    probe: () => ({files: [`/etc/${id}`]}),
    plan: () => ({actions, findings: [], onRollback: []}),
  };
}

/** A fake host behind a 50 ms network: every script and every proof login costs one round trip. */
function slowTarget(name: string, kind: Kind): Target {
  const {target} = fakeTarget();
  return {
    ...target,
    label: `root@${name}:22`,
    host: name,
    async run(script, opts) {
      await sleep(RTT_MS);
      return target.run(script, opts);
    },
    async probe() {
      await sleep(RTT_MS);
      return kind === 'fails'
        ? {ok: false, ms: RTT_MS, reason: 'port 2222 is unreachable from here'}
        : {ok: true, ms: RTT_MS};
    },
    async hold() {
      await sleep(RTT_MS);
      return {pid: 4242, release: async () => {}};
    },
  };
}

function context(journalDir: string, sink: (l: string) => void): HostRunContext {
  return {
    steps: STEPS,
    runId: 'BENCH',
    ahead: undefined,
    write: sink,
    valuesFor: (h) => resolveValues(valuesSchema.parse(h.values), 'bench'),
    async open(h) {
      const kind = kinds.get(h.name) ?? 'ok';
      if (kind === 'down') {
        await sleep(RTT_MS);
        return {unreachable: `root@${h.name}:22: no route to host`};
      }
      const target = slowTarget(h.name, kind);
      return {target, facts: await detectFacts(target)};
    },
    journalFor: (t) =>
      process.env.BENCH_NO_JOURNAL
        ? ({append() {}, async flush() {}, path: ''} as unknown as QueuedJournal)
        : new QueuedJournal(join(journalDir, t.host, 'journal.jsonl')),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const peakRssMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

async function soloTimes(ctx: HostRunContext, hosts: FleetHost[], n: number): Promise<Map<Kind, number[]>> {
  const out = new Map<Kind, number[]>();
  for (const kind of ['ok', 'fails', 'down'] as Kind[]) {
    const sample = hosts.find((h) => kinds.get(h.name) === kind);
    if (!sample) continue;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await runHost(ctx, sample, 1, new AbortController().signal);
      times.push(performance.now() - t0);
    }
    out.set(kind, times);
  }
  return out;
}

interface Round {
  load: number;
  ideal: number;
  wall: number;
  cpu: number;
  sys: number;
  eldP99: number;
  eldMax: number;
  gc: number;
  /** Sum over batches of (slowest host in the run - slowest host alone). */
  lag: number;
  /** wall - sum over batches of the slowest host in the run. */
  runner: number;
  counts: string;
  lines: number;
}

async function round(ctx: HostRunContext, hosts: FleetHost[], countLines: () => number): Promise<Round> {
  const load = loadavg()[0] ?? 0;
  const before = await soloTimes(ctx, hosts, 3);
  const batches = makeBatches(hosts, parseSerial(SERIAL));
  const lines0 = countLines();
  let gc = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc += e.duration;
  });
  obs.observe({entryTypes: ['gc']});
  const eld = monitorEventLoopDelay({resolution: 5});
  eld.enable();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const outcome = await runFleet({batches, forks: FORKS, runHost: (h, b, s) => runHost(ctx, h, b, s)});
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  eld.disable();
  obs.disconnect();
  const after = await soloTimes(ctx, hosts, 3);
  const solo = new Map<Kind, number>();
  for (const k of ['ok', 'fails', 'down'] as Kind[])
    solo.set(k, median([...(before.get(k) ?? []), ...(after.get(k) ?? [])]));
  const slowestAlone = batches.map((b) => Math.max(...b.map((h) => solo.get(kinds.get(h.name) ?? 'ok') ?? 0)));
  const slowestIn = batches.map((_b, i) =>
    Math.max(...outcome.results.filter((r) => r.batch === i + 1).map((r) => r.ms)),
  );
  const ideal = slowestAlone.reduce((a, b) => a + b, 0);
  const sumIn = slowestIn.reduce((a, b) => a + b, 0);
  const counts = new Map<string, number>();
  for (const r of outcome.results) counts.set(r.result, (counts.get(r.result) ?? 0) + 1);
  summaryTable(outcome);
  return {
    load,
    ideal,
    wall,
    cpu: (cpu.user + cpu.system) / 1000,
    sys: cpu.system / 1000,
    eldP99: eld.percentile(99) / 1e6,
    eldMax: eld.max / 1e6,
    gc,
    lag: sumIn - ideal,
    runner: wall - sumIn,
    counts: [...counts].map(([k, n]) => `${n} ${k}`).join(', '),
    lines: countLines() - lines0,
  };
}

async function main() {
  const inv = parseInventory(inventoryText(HOSTS), 'bench.ini');
  const idx = groupIndex(inv);
  const hosts: FleetHost[] = [...inv.hosts.keys()].map((n) => resolveHost(inv, n, idx));
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-fleet-'));
  let lines = 0;
  const ctx = context(dir, () => {
    lines++;
  });
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const batches = makeBatches(hosts, parseSerial(SERIAL));
  console.log(
    `${HOSTS} hosts, --forks ${FORKS}, --serial ${SERIAL}: ${batches.length} batches, each at most ${Math.max(...batches.map((b) => b.length))} hosts; ${ROUNDS} rounds`,
  );
  console.log(
    '| round | load (1 min) | ideal | fleet wall | ratio | CPU | event loop delay p99 / max | GC | batch lag | runner |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const ratios: number[] = [];
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      const x = await round(ctx, hosts, () => lines);
      ratios.push(x.wall / x.ideal);
      console.log(
        `| ${r} | ${x.load.toFixed(1)} | ${s(x.ideal)} | ${s(x.wall)} | ${(x.wall / x.ideal).toFixed(3)}x | ${s(x.cpu)} (sys ${s(x.sys)}) | ${x.eldP99.toFixed(0)} / ${x.eldMax.toFixed(0)} ms | ${x.gc.toFixed(0)} ms | ${s(x.lag)} | ${s(x.runner)} |`,
      );
      if (r === 1) console.error(`results: ${x.counts}; ${x.lines} output lines`);
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(
      `ratio median ${median(ratios).toFixed(3)}x, worst ${(sorted.at(-1) ?? 0).toFixed(3)}x (target <= 1.2x); peak RSS ${peakRssMb().toFixed(0)} MB (target < 300 MB); heap used ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(0)} MB`,
    );
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

await main();
