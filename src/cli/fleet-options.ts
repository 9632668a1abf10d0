import type {Command} from 'commander';

/** The options of a fleet run, on `plan` and `apply` (Ansible's names and meanings). */
export function fleetOptions(c: Command, rolling: boolean): Command {
  c.option(
    '--inventory <file>',
    'run on the hosts of an Ansible inventory (INI, YAML, or ansible-inventory --list JSON)',
  )
    .option(
      '--limit <pattern>',
      'hosts of the inventory: group, host, wildcard, a:b union, !x exclusion, &x intersection',
    )
    .option('--forks <n>', 'hosts in flight at once (default 5)');
  if (rolling)
    c.option(
      '--serial <sizes>',
      'batch sizes, like 1,5,25%: the first batch is the canary, the last size repeats (default 1,100%)',
    ).option(
      '--max-fail-percentage <p>',
      'stop before the next batch when more than P% of a batch failed (a batch that all failed always stops)',
    );
  return c;
}
