import {Argument, Command, CommanderError, Option} from 'commander';
import {PLATFORMS} from '../core/facts.js';
import {exitCodeOf, InputError} from '../util/errors.js';
import {printable} from '../util/terminal.js';
import {completionScript, SHELLS, type Shell} from './completion/scripts.js';
import {fleetOptions} from './fleet-options.js';
import {quietBrokenPipes} from './pipes.js';
import {VERSION} from './version.js';

// Every --help fits 80 columns (a test checks each command): a comment line, then the command.
// After fresh-vps, public SSH is closed: the server answers through the tunnel (admin@10.66.0.1:2222).
const EXAMPLES = {
  program: `
Examples:
  # the guided wizard on a fresh VPS (recipe fresh-vps), as root over SSH
  $ portcullis root@203.0.113.5 --set admin_user=admin
  # what it would do, offline: a plan for a fresh Debian 12
  $ portcullis plan --platform debian-12
  # the same run headless; the tunnel comes up on this machine
  $ portcullis apply root@203.0.113.5 --yes --connect-tunnel \\
      --set admin_user=admin --set ssh_port=2222
  # afterwards SSH answers only through the tunnel, as the admin
  $ portcullis status admin@10.66.0.1:2222

Shell completion: portcullis completion --help`,
  plan: `
Examples:
  # what it would do on a fresh Debian 12, offline
  $ portcullis plan --platform debian-12 --recipe fresh-vps
  # against a live server, as JSON (schema/result.schema.json)
  $ portcullis plan root@203.0.113.5 --set ssh_port=2222 --json
  # after fresh-vps, through the tunnel (public SSH is closed)
  $ portcullis plan admin@10.66.0.1:2222
  # a reviewable script for a change ticket
  $ portcullis plan admin@10.66.0.1:2222 --format sh > change.sh`,
  apply: `
Examples:
  # a fresh VPS, headless, as root
  $ portcullis apply root@203.0.113.5 --yes \\
      --set admin_user=admin --set ssh_port=2222
  # stop after a step
  $ portcullis apply root@203.0.113.5 --yes --until ssh-hardening
  # day two, through the tunnel: a re-run changes nothing
  $ PORTCULLIS_SUDO_PASSWORD=... portcullis apply admin@10.66.0.1:2222 --yes
  # a fleet (Ansible inventory): one canary, then batches of 25%
  $ portcullis apply --inventory hosts.ini --yes --serial 1,25% \\
      --limit 'web:!web3' --max-fail-percentage 0
  # the same on a terminal, without --yes: review once, canary, then asked
  $ portcullis apply --inventory hosts.ini --serial 1,25%`,
  rollback: `
Examples:
  # undo the last run's steps, newest first
  $ portcullis rollback root@203.0.113.5
  # through the tunnel: public SSH is reopened and proven before the tunnel goes
  $ portcullis rollback admin@10.66.0.1:2222
  # undo every step after preflight
  $ portcullis rollback admin@10.66.0.1:2222 --to preflight`,
  check: `
Examples:
  # exit 0: the server is as the last apply left it
  $ portcullis check admin@10.66.0.1:2222
  # exit 3: drift, each finding in words
  $ portcullis check admin@10.66.0.1:2222 --json
  # every host of an inventory: a line each, then a summary
  $ portcullis check --inventory hosts.ini --limit web`,
  status: `
Examples:
  $ portcullis status admin@10.66.0.1:2222 --json   # after fresh-vps
  $ portcullis status root@203.0.113.5              # a box not hardened yet`,
  peers: `
Examples:
  # a client config here (0600) and a QR code to scan
  $ portcullis peers add alice admin@10.66.0.1:2222
  $ portcullis peers list admin@10.66.0.1:2222 --json
  # the config and QR code again, from this machine
  $ portcullis peers show alice admin@10.66.0.1:2222
  # revoked; other tunnels stay up
  $ portcullis peers remove alice admin@10.66.0.1:2222`,
  recipes: `
Examples:
  $ portcullis recipes
  $ portcullis recipes show fresh-vps`,
  completion: `
Examples:
  # bash (loaded on demand by the bash-completion package)
  $ portcullis completion bash \\
      > ~/.local/share/bash-completion/completions/portcullis
  # zsh: a directory on $fpath, before compinit runs
  $ portcullis completion zsh > ~/.zfunc/_portcullis
  # fish
  $ portcullis completion fish > ~/.config/fish/completions/portcullis.fish
  # or for this shell only
  $ source <(portcullis completion bash)`,
};

function targetOptions(c: Command): Command {
  return c
    .option('--local', 'run on this machine (you are on the server)')
    .option('--ssh-config <file>', 'ssh configuration file (passed to ssh as -F)')
    .option('-i, --identity <key>', 'private key for ssh (passed to ssh as -i)')
    .option('--accept-new-host-key', 'trust the host key on first contact (StrictHostKeyChecking=accept-new)')
    .option('--json', 'print one JSON document on stdout; human logs go to stderr')
    .option('--debug', 'show stack traces on errors');
}

function recipeOptions(c: Command): Command {
  return c
    .option('-r, --recipe <name|file>', 'recipe to run', 'fresh-vps')
    .option('--answers <file>', 'values from an answers file (saved by --save-answers); --set wins over it')
    .option(
      '--save-answers <file>',
      'save the values of this run to replay it headless elsewhere (secrets are left out)',
    )
    .option(
      '--set <key=value>',
      'set a recipe value (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    );
}

export function buildProgram(): Command {
  const program = new Command('portcullis')
    .description('Harden a server over SSH without locking yourself out.')
    .version(VERSION, '-V, --version')
    .argument('[target]', 'user@host[:port]; omit with --local')
    .addHelpText('after', EXAMPLES.program)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({outputError: () => {}});
  targetOptions(recipeOptions(program))
    .option('--until <step>', 'stop after this step')
    .option('--break-lock', 'clear a lock left by an interrupted run (refused while its process still runs)')
    .option('--confirm-timeout <seconds>', 'dead-man window for risky steps, 15-3600 (default: 120)')
    .action(async (target: string | undefined, o) => {
      const {runWizard} = await import('./commands/wizard.js');
      await runWizard(target, o);
    });

  fleetOptions(targetOptions(recipeOptions(program.command('plan'))), false)
    .description('dry-run: show what each step would run and every file diff; changes nothing')
    .argument('[target]', 'user@host[:port]; omit with --platform or --local')
    .addOption(new Option('--platform <platform>', 'plan offline for a platform').choices(PLATFORMS))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'sh']).default('text'))
    .addHelpText('after', EXAMPLES.plan)
    .action(async (target: string | undefined, o) => {
      const {runPlan} = await import('./commands/plan.js');
      await runPlan(target, o);
    });

  fleetOptions(targetOptions(recipeOptions(program.command('apply'))), true)
    .description('apply the recipe step by step, proving every new way in before the old one goes')
    .argument('[target]', 'user@host[:port]; omit with --local')
    .option('-y, --yes', 'do not ask; values come from the recipe, --set and their defaults')
    .option('--until <step>', 'stop after this step')
    .option('--break-lock', 'clear a lock left by an interrupted run (refused while its process still runs)')
    .option('--confirm-timeout <seconds>', 'dead-man window for risky steps, 15-3600 (default: 120)')
    .option('--connect-tunnel', 'bring the WireGuard tunnel up on this machine to prove it (needs root and wg-quick)')
    .option(
      '--no-ahead',
      "install each step's packages only when the step runs (default: they start in the background at once; installed with --yes, only downloaded when each step is asked)",
    )
    .addHelpText('after', EXAMPLES.apply)
    .action(async (target: string | undefined, o) => {
      const {runApply} = await import('./commands/apply.js');
      await runApply(target, o);
    });

  targetOptions(program.command('rollback'))
    .description('undo applied steps, newest first, restoring every file byte for byte')
    .argument('[target]', 'user@host[:port]; omit with --local')
    .option('--to <step>', 'undo the steps after this one')
    .option('-y, --yes', 'do not ask first (asked only on a terminal)')
    .addHelpText('after', EXAMPLES.rollback)
    .action(async (target: string | undefined, o) => {
      const {runRollback, checkStepName} = await import('./commands/rollback.js');
      if (o.to !== undefined) checkStepName(o.to);
      await runRollback(target, o);
    });

  fleetOptions(recipeOptions(targetOptions(program.command('check'))), false)
    .description('compare the server with the posture the last apply left, and plan the recipe (exit 3: drift)')
    .argument('[target]', 'user@host[:port]; omit with --local')
    .addHelpText('after', EXAMPLES.check)
    .action(async (target: string | undefined, o) => {
      const {runCheck} = await import('./commands/check.js');
      await runCheck(target, o);
    });

  targetOptions(program.command('status'))
    .description('checkpoint state of the last runs and the current posture')
    .argument('[target]', 'user@host[:port]; omit with --local')
    .addHelpText('after', EXAMPLES.status)
    .action(async (target: string | undefined, o) => {
      const {runStatus} = await import('./commands/status.js');
      await runStatus(target, o);
    });

  const peers = program.command('peers').description('WireGuard peers: add, list, remove, show (config and QR code)');
  targetOptions(peers.command('add'))
    .addHelpText('after', EXAMPLES.peers)
    .argument('<name>', 'peer name (letters, digits, . _ -)')
    .argument('[target]', 'user@host[:port]')
    .option(
      '--set <key=value>',
      "wg_endpoint=HOST[:PORT]: the server's public address in the client config (default: the one remembered here)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .description('add a peer; its client config is written here (0600) and shown as a QR code')
    .action(async (name: string, target: string | undefined, o) =>
      (await import('./commands/peers.js')).peersAdd(name, target, o),
    );
  targetOptions(peers.command('remove'))
    .addHelpText('after', EXAMPLES.peers)
    .argument('<name>', 'peer name')
    .argument('[target]', 'user@host[:port]')
    .description('revoke a peer; other tunnels stay up')
    .action(async (name: string, target: string | undefined, o) =>
      (await import('./commands/peers.js')).peersRemove(name, target, o),
    );
  targetOptions(peers.command('list'))
    .addHelpText('after', EXAMPLES.peers)
    .argument('[target]', 'user@host[:port]')
    .description('peers on the server with their last handshake')
    .action(async (target: string | undefined, o) => (await import('./commands/peers.js')).peersList(target, o));
  targetOptions(peers.command('show'))
    .addHelpText('after', EXAMPLES.peers)
    .argument('<name>', 'peer name')
    .argument('[target]', 'user@host[:port]')
    .description("print a peer's client config and QR code (from this machine)")
    .action(async (name: string, target: string | undefined, o) =>
      (await import('./commands/peers.js')).peersShow(name, target, o),
    );

  const recipes = program
    .command('recipes')
    .description('list the shipped recipes')
    .addHelpText('after', EXAMPLES.recipes)
    .action(async () => {
      const {listRecipesCommand} = await import('./commands/recipes.js');
      listRecipesCommand();
    });
  recipes
    .command('show')
    .argument('<name>', 'recipe name or file')
    .description('print a recipe with its parameters and their defaults')
    .addHelpText('after', EXAMPLES.recipes)
    .action(async (name: string) => {
      const {showRecipeCommand} = await import('./commands/recipes.js');
      showRecipeCommand(name);
    });
  program
    .command('completion')
    .description('print a completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText('after', EXAMPLES.completion)
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell));
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  quietBrokenPipes();
  // What the completion scripts call on each Tab: candidates on stdout, never an error.
  if (argv[0] === '__complete') {
    const {complete} = await import('./completion/complete.js');
    const words = argv[1] === '--' ? argv.slice(2) : argv.slice(1);
    const out = await complete(buildProgram(), words).catch(() => []);
    process.stdout.write(out.length ? `${out.join('\n')}\n` : '');
    return 0;
  }
  const debug = argv.includes('--debug');
  try {
    await buildProgram().parseAsync(argv, {from: 'user'});
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      process.stderr.write(`portcullis: ${err.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    // An error may quote the target's output: its control characters never reach the terminal raw.
    const msg = printable(err instanceof Error ? err.message : String(err));
    process.stderr.write(`portcullis: ${msg}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    else if (
      !(err instanceof InputError) &&
      exitCodeOf(err) === 1 &&
      !(err instanceof Error && err.name === 'RunError')
    ) {
      process.stderr.write('(run again with --debug for details)\n');
    }
    return exitCodeOf(err);
  }
}
