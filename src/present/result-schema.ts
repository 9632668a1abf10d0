import {z} from 'zod';
import {PLATFORMS} from '../core/facts.js';

/**
 * The shape of every `--json` document: the builders in json.ts return these types, and
 * schema/result.schema.json is generated from them (npm run schema). Objects are strict: a field the
 * schema does not name is a defect, caught by the tests that validate every document against the file.
 */

/** Bumped when a field is removed, renamed or changes type; a release that only adds fields keeps it. */
export const RESULT_VERSION = 1;

/** What the process exit status means, for every command (documented in the schema and the README). */
export const EXIT_CODES = {
  0: 'success (plan: the plan was printed and no step is refused; apply: every step applied or already compliant)',
  1: 'a run failed or was stopped; what it had started was rolled back (or the error says what was not); plan: a step would be refused (the plan is still printed)',
  2: 'bad input (arguments, recipe values, files): nothing was changed, nothing was connected to',
  3: 'check: the server drifted from the posture the last apply recorded, or the recipe still plans a change',
  130: 'interrupted twice (Ctrl-C): left at once; a step under its dead-man timer is restored by the timer',
} as const;

const count = z.number().int().min(0);
const text = z.string();

const finding = z.strictObject({
  level: z.enum(['info', 'warn', 'error']),
  message: text,
  fix: text.optional().describe('what to do about it'),
});

export const exposureSchema = z
  .strictObject({
    proto: z.enum(['tcp', 'udp']),
    address: text.describe('the listening address (0.0.0.0 and :: mean every address)'),
    port: z.number().int().min(0).max(65535),
    process: text,
    public: z.boolean().describe('bound to every address or a public one, not loopback'),
    blocked: z.boolean().describe('public, but the active firewall drops it from outside'),
    exposed: z.boolean().describe('public and not blocked: reachable from anywhere'),
    flag: z.boolean().describe('exposed and not meant to be public (SSH, WireGuard, recipe ports)'),
    fix: text.optional().describe('how to stop exposing it, for a flagged socket'),
  })
  .meta({id: 'exposure', title: 'a listening socket and whether it is reachable from anywhere'});

const common = {
  version: z.literal(RESULT_VERSION).describe('version of this document shape (schema/result.schema.json)'),
};

const target = text.describe('the target as given (user@host[:port]), or local');

export const planResultSchema = z
  .strictObject({
    ...common,
    command: z.literal('plan'),
    recipe: text,
    target: text.describe('user@host[:port], local, or profile:PLATFORM for an offline plan'),
    platform: z.enum([...PLATFORMS, 'unknown']),
    mode: z.literal('plan'),
    changed: z.literal(0).describe('a plan changes nothing'),
    steps: z.array(
      z.strictObject({
        id: text,
        title: text,
        risk: z.enum(['safe', 'reversible', 'lockout']),
        status: z
          .enum(['changes', 'compliant', 'refused'])
          .describe('refused: an error finding; apply would stop at this step, changing nothing of it'),
        actions: z.array(
          z.strictObject({
            kind: text.describe('action kind: file.write, run, service, package.install, firewall.rule, ...'),
            summary: text,
            commands: z.array(text).describe('the exact shell lines apply runs for this action'),
            diff: text.optional().describe('unified diff of a file action'),
          }),
        ),
        findings: z.array(finding),
      }),
    ),
    refused: z.array(text).describe('ids of the refused steps (the plan exits 1 when there is one)'),
    findings: z.array(finding.extend({step: text})),
    exposures: z.array(exposureSchema),
  })
  .meta({id: 'plan', title: 'portcullis plan --json'});

const applyCommon = {
  ...common,
  command: z.literal('apply'),
  run: text.describe('run id, as in the journal'),
  target,
  recipe: text,
};

export const applyResultSchema = z
  .discriminatedUnion('status', [
    z.strictObject({
      ...applyCommon,
      status: z.literal('applied'),
      changed: count,
      steps: z.array(
        z.strictObject({
          id: text,
          status: z.enum(['compliant', 'applied', 'rolled-back', 'failed', 'skipped']),
          ms: count,
          changed: count,
        }),
      ),
      journal: text.describe("path of the run's journal on this machine"),
      clientConfigs: z
        .array(text)
        .describe('paths of files written on this machine (client configs, evidence): never their contents'),
      exposures: z.strictObject({before: z.array(exposureSchema), after: z.array(exposureSchema)}),
      roundTrips: count,
      waitMs: count,
    }),
    z.strictObject({
      ...applyCommon,
      status: z.literal('failed'),
      error: text.describe('the one-line error also printed on stderr'),
      journal: text.optional(),
    }),
  ])
  .meta({id: 'apply', title: 'portcullis apply --json (and the wizard with --json)'});

export const rollbackResultSchema = z
  .strictObject({
    ...common,
    command: z.literal('rollback'),
    target,
    rolledBack: z.array(z.strictObject({run: text, step: text})).describe('newest first'),
    changed: count,
    via: text.describe(
      'where the rollback finished: the target, or the way in it went on over when the target could not stay (a rollback through the tunnel that removes the tunnel)',
    ),
  })
  .meta({id: 'rollback', title: 'portcullis rollback --json'});

export const statusResultSchema = z
  .strictObject({
    ...common,
    command: z.literal('status'),
    target,
    platform: z.enum([...PLATFORMS, 'unknown']),
    checkpoints: z.array(
      z.strictObject({run: text, step: text, state: z.enum(['done', 'rolled-back', 'in-doubt', 'armed'])}),
    ),
    armedTimers: z.array(text),
    exposures: z.array(exposureSchema),
  })
  .meta({id: 'status', title: 'portcullis status --json'});

export const checkResultSchema = z
  .strictObject({
    ...common,
    command: z.literal('check'),
    target,
    recipe: text,
    status: z.enum(['ok', 'drift']).describe('ok: exit 0; drift: exit 3'),
    drift: z
      .array(
        z.strictObject({
          kind: z.enum(['listen', 'sshd', 'firewall', 'wg', 'jail', 'other', 'plan']),
          message: text.describe('the finding in words, e.g. "python3 now listens on 0.0.0.0:9999/tcp"'),
        }),
      )
      .describe('each difference from the posture the last apply recorded, and each change the recipe still plans'),
  })
  .meta({id: 'check', title: 'portcullis check --json'});

export const peersAddResultSchema = z
  .strictObject({
    ...common,
    command: z.literal('peers add'),
    peer: text,
    target,
    changed: count,
    clientConfig: text.describe('path of the client config written on this machine (0600)'),
  })
  .meta({id: 'peers-add', title: 'portcullis peers add --json'});

export const peersRemoveResultSchema = z
  .strictObject({
    ...common,
    command: z.literal('peers remove'),
    peer: text,
    target,
    removed: z.literal(true),
    changed: count,
  })
  .meta({id: 'peers-remove', title: 'portcullis peers remove --json'});

export const peersListResultSchema = z
  .strictObject({
    ...common,
    command: z.literal('peers list'),
    target,
    peers: z.array(
      z.strictObject({
        name: text,
        address: text,
        publicKey: text,
        lastHandshake: count.describe('unix time of the last handshake; 0: never'),
      }),
    ),
  })
  .meta({id: 'peers-list', title: 'portcullis peers list --json'});

export const peersShowResultSchema = z
  .strictObject({
    ...common,
    command: z.literal('peers show'),
    peer: text,
    clientConfig: text.describe('path of the client config on this machine'),
  })
  .meta({id: 'peers-show', title: 'portcullis peers show --json'});

const fleetCommon = {
  ...common,
  recipe: text,
  inventory: text.describe('the inventory file as given'),
  limit: text.optional().describe('the --limit pattern, when one was given'),
};

export const fleetHostResultSchema = z
  .strictObject({
    host: text.describe('the inventory name of the host'),
    target: text.optional().describe('user@address:port of the way in the run used, when it got in'),
    batch: z.number().int().min(1),
    result: z.enum(['applied', 'unchanged', 'rolled-back', 'failed', 'unreachable', 'not-started']),
    changed: count.describe('changes that stay (a rolled-back step counts none)'),
    ms: count,
    steps: z.array(
      z.strictObject({
        id: text,
        status: z.enum(['compliant', 'applied', 'rolled-back', 'failed', 'skipped']),
        changed: count,
        ms: count,
      }),
    ),
    exposure: z
      .strictObject({
        before: z.array(text).describe('ports reachable from anywhere before the run, like 22/tcp'),
        after: z.array(text).optional().describe('and after it (also after a rollback); absent when unknown'),
      })
      .optional(),
    reason: text.optional().describe('why it failed, was rolled back, is unreachable or was not started'),
  })
  .meta({id: 'fleet-host', title: 'one host of a fleet run'});

export const fleetApplyResultSchema = z
  .strictObject({
    ...fleetCommon,
    command: z.literal('apply --inventory'),
    run: text.describe("run id, as in each host's journal"),
    status: z.enum(['applied', 'failed', 'stopped']).describe('applied only when every selected host succeeded'),
    batches: count,
    stopped: z
      .strictObject({afterBatch: count, reason: text, by: z.enum(['failures', 'operator'])})
      .optional()
      .describe('why no further batch started'),
    changed: count,
    ms: count,
    hosts: z.array(fleetHostResultSchema).describe('one result per selected host, in inventory order'),
  })
  .meta({id: 'apply-fleet', title: 'portcullis apply --inventory --json'});

export const fleetPlanResultSchema = z
  .strictObject({
    ...fleetCommon,
    command: z.literal('plan --inventory'),
    mode: z.literal('plan'),
    hosts: z.array(
      z.union([
        z.strictObject({
          host: text,
          status: z.literal('planned'),
          plan: planResultSchema.omit({version: true, command: true}),
        }),
        z.strictObject({host: text, status: z.enum(['unreachable', 'failed']), reason: text}),
      ]),
    ),
  })
  .meta({id: 'plan-fleet', title: 'portcullis plan --inventory --json'});

const driftItem = z.strictObject({
  kind: z.enum(['listen', 'sshd', 'firewall', 'wg', 'jail', 'other', 'plan']),
  message: text.describe('the finding in words, e.g. "python3 now listens on 0.0.0.0:9999/tcp"'),
});

export const fleetCheckResultSchema = z
  .strictObject({
    ...fleetCommon,
    command: z.literal('check --inventory'),
    status: z
      .enum(['ok', 'drift', 'incomplete'])
      .describe(
        'ok: every host as recorded (exit 0); drift: a host drifted (exit 3); incomplete: none drifted but a host could not be checked (exit 1)',
      ),
    hosts: z
      .array(
        z.union([
          z.strictObject({host: text, target, status: z.enum(['ok', 'drift']), drift: z.array(driftItem)}),
          z.strictObject({
            host: text,
            target: target.optional(),
            status: z
              .enum(['unreachable', 'failed'])
              .describe('failed: got in but could not check (e.g. no posture recorded)'),
            reason: text,
          }),
        ]),
      )
      .describe('one result per selected host, in inventory order'),
  })
  .meta({id: 'check-fleet', title: 'portcullis check --inventory --json'});

export const resultSchema = z.union([
  planResultSchema,
  applyResultSchema,
  rollbackResultSchema,
  statusResultSchema,
  checkResultSchema,
  peersAddResultSchema,
  peersRemoveResultSchema,
  peersListResultSchema,
  peersShowResultSchema,
  fleetApplyResultSchema,
  fleetPlanResultSchema,
  fleetCheckResultSchema,
]);

export type Result = z.output<typeof resultSchema>;
export type ResultCommand = Result['command'];

/** schema/result.schema.json: the published contract of --json, with the exit codes beside it. */
export function resultJsonSchema(): Record<string, unknown> {
  const codes = Object.entries(EXIT_CODES)
    .map(([code, meaning]) => `${code}: ${meaning}`)
    .join('; ');
  const {$schema, ...rest} = z.toJSONSchema(resultSchema, {io: 'output', target: 'draft-2020-12'});
  return {
    $schema,
    title: 'portcullis --json result',
    description: `One document on stdout per run of a command with --json; human progress and errors go to stderr. \`command\` says which document it is, \`version\` its shape (${RESULT_VERSION}). Other commands print a document only when they succeed; apply also prints one with status failed when it stops after its values were read. Exit codes: ${codes}.`,
    ...rest,
  };
}
