// Rehearsal CLI: `npm run sandbox -- <command>`. One long-lived instance per machine is
// recorded in CLI_STATE_FILE; it outlives this process (the launcher owns it).
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {
  ADMIN_PASSWORD,
  ATTACKER_IP,
  CACHE_ROOT,
  CLI_STATE_FILE,
  LAPTOP_IP,
  ROOT_PASSWORD,
  VPS_IP,
  VPS_IP6,
} from './constants.js';
import {nsenterArgv} from './container.js';
import {ensureImage, ensureVariant, recipeHash, VARIANTS, type Variant} from './image.js';
import {attach, type Sandbox, start} from './sandbox.js';
import {isOwnerAlive, listInstanceNames, readState} from './state.js';
import {findGarbage, reapGarbage, teardownSync} from './teardown.js';

const USAGE = `usage: npm run sandbox -- <command>
  up [--admin-key|--no-admin] [--variant=V]  boot a long-lived sandbox VPS (the operator key goes to
                         root; --admin-key: admin too; --no-admin: no admin account, as at a provider;
                         V: ${VARIANTS.join(', ')})
  down                    tear it down (everything: processes, netns, overlay, files)
  ssh [ssh args...]       ssh from the laptop namespace (default: root@${VPS_IP})
  shell laptop|attacker|vps   interactive shell on that host (laptop: HOME etc. set for portcullis)
  exec <command>          run a command as root inside the VPS, out of band
  reboot                  reboot the VPS and wait until it is back
  power-cycle             cut its power (SIGKILL of its PID 1) and boot it again on the same disk
  status                  this machine's sandboxes and their state
  build [--variant=V]     build (or find) the cached base image, or a variant layer over it
  reap                    remove leftovers of crashed runs (owner dead)
  prune                   delete cached images of other recipe versions`;

function currentName(): string | undefined {
  if (!existsSync(CLI_STATE_FILE)) return undefined;
  return (JSON.parse(readFileSync(CLI_STATE_FILE, 'utf8')) as {name: string}).name;
}

function current(): Sandbox {
  const name = currentName();
  if (name === undefined) throw new Error('no sandbox is up (npm run sandbox -- up)');
  if (name === '') throw new Error(`another \`up\` is booting one (or crashed: rm ${CLI_STATE_FILE})`);
  return attach(name);
}

function interactive(argv: string[], env: Record<string, string> = {}): number {
  const [file, ...args] = argv;
  if (!file) return 2;
  return spawnSync(file, args, {stdio: 'inherit', env: {...process.env, ...env}}).status ?? 1;
}

function describe(vps: Sandbox): string {
  const l = vps.laptop;
  return [
    `sandbox ${vps.name} is up${vps.timings ? ` (booted in ${(vps.timings.totalMs / 1000).toFixed(1)} s)` : ''}`,
    `  vps       ${VPS_IP}  ${VPS_IP6}   passwords: root ${ROOT_PASSWORD}${vps.state.noAdmin ? ' (no admin account)' : `, admin ${ADMIN_PASSWORD}`}`,
    `  laptop    ${LAPTOP_IP}  netns ${l.netns}  HOME=${l.env.HOME}`,
    `  attacker  ${ATTACKER_IP}  netns ${vps.attacker.netns}`,
    `  key       ${vps.keyPath}`,
    `  ssh       npm run sandbox -- ssh        (= ip netns exec ${l.netns} ssh -F ${vps.sshConfigPath} root@${VPS_IP})`,
    `  portcullis  npm run sandbox -- shell laptop, then: node bin/portcullis.js root@${VPS_IP} --ssh-config ${vps.sshConfigPath}`,
    `  boot log  ${vps.bootLogPath}`,
    '  down      npm run sandbox -- down',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up': {
      mkdirSync(dirname(CLI_STATE_FILE), {recursive: true});
      if (existsSync(CLI_STATE_FILE)) {
        const vps = current();
        if (vps.leaderPid() !== undefined) {
          console.log(describe(vps));
          return 0;
        }
        teardownSync(vps.name);
        rmSync(CLI_STATE_FILE, {force: true});
      }
      // Claimed before booting ('wx' fails if another `up` got there first), so two `up`s never both boot.
      writeFileSync(CLI_STATE_FILE, `${JSON.stringify({name: '', pid: process.pid})}\n`, {flag: 'wx'});
      try {
        const vps = await start({
          detached: true,
          adminKey: rest.includes('--admin-key'),
          noAdmin: rest.includes('--no-admin'),
          ...variantArg(rest),
        });
        writeFileSync(CLI_STATE_FILE, `${JSON.stringify({name: vps.name, startedAt: new Date().toISOString()})}\n`);
        console.log(describe(vps));
      } catch (err) {
        rmSync(CLI_STATE_FILE, {force: true});
        throw err;
      }
      return 0;
    }
    case 'down': {
      const name = currentName();
      if (!name) {
        rmSync(CLI_STATE_FILE, {force: true});
        console.log('no sandbox is up');
        return 0;
      }
      const r = teardownSync(name);
      rmSync(CLI_STATE_FILE, {force: true});
      console.log(`sandbox ${name} down (${r.processes.length} processes, ${r.netns.length} namespaces removed)`);
      return 0;
    }
    case 'ssh': {
      const vps = current();
      const args = rest.length > 0 ? rest : [`root@${VPS_IP}`];
      return interactive(['ip', 'netns', 'exec', vps.laptop.netns, 'ssh', '-F', vps.sshConfigPath, ...args]);
    }
    case 'shell': {
      const vps = current();
      const which = rest[0] ?? 'laptop';
      if (which === 'vps') {
        const pid = vps.leaderPid();
        if (pid === undefined) throw new Error('vps is not running');
        return interactive([
          'nsenter',
          ...nsenterArgv(pid, 'cd /root && exec bash -l', [`TERM=${process.env.TERM ?? 'xterm'}`]),
        ]);
      }
      const host = which === 'attacker' ? vps.attacker : vps.laptop;
      console.log(`shell on the ${which} (${host.ip}); exit to leave`);
      return interactive(['ip', 'netns', 'exec', host.netns, 'bash'], {...host.env, PS1: `(${which}) \\w# `});
    }
    case 'exec': {
      const r = await current().exec(rest.join(' '));
      process.stdout.write(r.stdout ? `${r.stdout}\n` : '');
      process.stderr.write(r.stderr ? `${r.stderr}\n` : '');
      return r.code;
    }
    case 'reboot': {
      const vps = current();
      const t0 = Date.now();
      await vps.reboot();
      console.log(`rebooted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'power-cycle': {
      const vps = current();
      const down = await vps.powerCycle();
      console.log(`back ${((Date.now() - down) / 1000).toFixed(1)} s after the power cut`);
      return 0;
    }
    case 'status': {
      const names = listInstanceNames();
      if (names.length === 0) console.log('no sandbox instances on this machine');
      for (const name of names) {
        const state = readState(name);
        const vps = state ? attach(name) : undefined;
        const leader = vps?.leaderPid();
        const sys = leader ? (await vps?.exec('systemctl is-system-running'))?.stdout : 'down';
        const owner = state ? `owner ${state.ownerPid} ${isOwnerAlive(state) ? 'alive' : 'DEAD'}` : 'no state';
        const cli = name === currentName() ? '  (npm run sandbox -- up)' : '';
        console.log(`${name}  ${sys}  ${owner}  created ${state?.createdAt ?? '?'}${cli}`);
      }
      const garbage = findGarbage();
      if (garbage.length > 0) console.log(`leftovers to reap: ${garbage.join(', ')} (npm run sandbox -- reap)`);
      return 0;
    }
    case 'build': {
      const v = variantArg(rest).variant;
      if (v) {
        const layer = await ensureVariant(v, (l) => console.log(l));
        console.log(`${layer.lowerDir} (${layer.built ? `built in ${Math.round(layer.ms / 1000)} s` : 'cached'})`);
        return 0;
      }
      const image = await ensureImage((l) => console.log(l));
      console.log(`${image.rootfs} (${image.built ? `built in ${Math.round(image.ms / 1000)} s` : 'cached'})`);
      return 0;
    }
    case 'reap': {
      for (const r of reapGarbage())
        console.log(`reaped ${r.name}: ${r.processes.length} processes, ${r.netns.length} netns`);
      return 0;
    }
    case 'prune': {
      // Keeps the current recipe's image and any image a live instance still has as lower dir.
      const keep = new Set([recipeHash(), ...listInstanceNames().map((n) => readState(n)?.imageHash)]);
      for (const entry of existsSync(CACHE_ROOT) ? readdirSync(CACHE_ROOT) : []) {
        const hash = /^([0-9a-f]{16})(\.lock|\.log)?$/.exec(entry)?.[1];
        if (!hash || keep.has(hash)) continue;
        rmSync(join(CACHE_ROOT, entry), {recursive: true, force: true});
        console.log(`removed ${join(CACHE_ROOT, entry)}`);
      }
      return 0;
    }
    default:
      console.log(USAGE);
      return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
  }
}

/** `--variant=NAME` among the arguments (a platform variant image), checked against VARIANTS. */
function variantArg(args: readonly string[]): {variant?: Variant} {
  const v = args.find((a) => a.startsWith('--variant='))?.slice('--variant='.length);
  if (v === undefined) return {};
  if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`--variant: one of ${VARIANTS.join(', ')}`);
  return {variant: v as Variant};
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
