import {runHost} from '../../fleet/host-run.js';
import {groupPlans, planHosts} from '../../fleet/plan-hosts.js';
import {succeeded} from '../../fleet/result.js';
import {runFleet} from '../../fleet/runner.js';
import {summaryTable} from '../../fleet/summary.js';
import {openSsh} from '../../fleet/ways-in.js';
import {InputError} from '../../util/errors.js';
import {currentTerminal, outputMode, wantsColor} from '../frontend.js';
import {newRunId} from '../run-setup.js';
import type {ApplyCliOptions} from './apply.js';
import {type FleetCliOptions, hostRunContext, rollout} from './fleet-apply.js';

/**
 * The fleet wizard (`apply --inventory FILE` on a terminal, without --yes): every host planned (read
 * only), the plans reviewed once with identical ones shown once, the canary batch run on a typed yes, its
 * result shown, and the rest rolled out only on a second typed yes. Exit 0 when every host succeeded;
 * 1 when a host failed or the operator stopped (also at the review: nothing changed then).
 */
export async function runFleetWizard(o: ApplyCliOptions & FleetCliOptions): Promise<void> {
  const mode = outputMode(currentTerminal({yes: false, json: o.json}));
  if (mode.kind !== 'ink')
    throw new InputError('apply --inventory asks on a terminal only: pass --yes to run it headless');
  if (o.json) throw new InputError('--json with --inventory is for headless runs: pass --yes');
  if (o.saveAnswers) throw new InputError("--save-answers saves one host's values: run it without --inventory");
  const {setup, hosts, valuesFor, forks, maxFail, batches} = rollout(o);
  const stream = mode.stream === 'stderr' ? process.stderr : process.stdout;
  const [{FleetStore}, {initialFleetState}, {mountFleetWizard}] = await Promise.all([
    import('../../ui/fleet/fleet-store.js'),
    import('../../ui/fleet/fleet-state.js'),
    import('../../ui/fleet/mount-fleet.js'),
  ]);
  const store = new FleetStore(
    initialFleetState({
      recipe: setup.recipeName,
      inventory: o.inventory,
      batches: batches.map((b) => b.map((h) => h.name)),
      forks,
      maxFailPercent: maxFail,
    }),
  );
  const ink = mountFleetWizard(store, {stdout: stream, stdin: process.stdin, color: wantsColor(stream.isTTY === true)});
  const onSigint = () => {
    if (store.stop() >= 3) {
      ink.unmount();
      process.stderr.write('portcullis: stopped at once; a step under its dead-man timer is restored by the timer\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  const ssh = {sshConfig: o.sshConfig, identity: o.identity, acceptNewHostKey: o.acceptNewHostKey};
  const runId = newRunId();
  const width = Math.min(30, Math.max(...hosts.map((h) => h.name.length)));
  let summary: string[] = [];
  try {
    // The review shows what will run: the steps up to --until.
    const until = o.until ? setup.steps.findIndex((s) => s.id === o.until) : -1;
    const plans = await planHosts({
      hosts,
      forks,
      steps: until < 0 ? setup.steps : setup.steps.slice(0, until + 1),
      recipe: setup.recipeName,
      valuesFor,
      open: (h, values) => openSsh(h, values, ssh),
      onPlanned: () => store.dispatch({type: 'planned'}),
    });
    const go =
      !store.stopRun.signal.aborted &&
      (await store.ask({
        type: 'review',
        groups: groupPlans(plans),
        notPlanned: plans.flatMap((p) =>
          p.status === 'planned' ? [] : [{host: p.host, status: p.status, reason: p.reason}],
        ),
      }));
    if (!go) {
      summary = ['portcullis: stopped at the review: nothing changed on any host'];
      process.exitCode = 1;
      return;
    }
    const outcome = await runFleet({
      batches,
      forks,
      maxFailPercent: maxFail,
      stop: store.stopRun.signal,
      stopHosts: store.stopHosts.signal,
      onBatch: (n) => store.dispatch({type: 'batch', n}),
      onHost: (result) => store.dispatch({type: 'host', result}),
      // The canary's result is shown and the rollout asked once; later batches follow the failure rule.
      proceed: async (n) => {
        if (n !== 2) return true;
        const ok = await store.ask({type: 'ask-rollout'});
        if (ok) store.dispatch({type: 'rollout'});
        return ok;
      },
      runHost: (host, batch, hostStop) =>
        runHost(
          hostRunContext(o, setup, valuesFor, runId, width, (text) => store.dispatch({type: 'line', text})),
          host,
          batch,
          hostStop,
        ),
    });
    summary = summaryTable(outcome);
    process.exitCode = outcome.results.every(succeeded) ? 0 : 1;
  } finally {
    store.dispatch({type: 'finished'});
    await ink.waitUntilExit();
    process.off('SIGINT', onSigint);
    if (summary.length) stream.write(`${summary.join('\n')}\n`);
  }
}
