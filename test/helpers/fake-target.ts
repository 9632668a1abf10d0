import type {ExecResult, ProofRoute, Target} from '../../src/target/types.js';

const FACTS = 'kernel\tLinux\nos_id\tdebian\nos_version\t12\n';

export interface FakeTargetOptions {
  /**
   * Answers the scripts the test cares about; `undefined` falls through to a clean exit with no output.
   * Consulted after the host detection and the run lock have been answered (the detection script mentions
   * journalctl, for one, so a test matching on it must not see that script).
   */
  answer?: (script: string) => ExecResult | undefined;
  /** What the target shows for a route. @default () => 'ssh h' */
  describeRoute?: (route: ProofRoute) => string;
}

/**
 * A recording fake target, root@h:22, that answers like a healthy host: detection reports Debian 12, the
 * run lock is taken, the lock session is pid 4242, every proof gets in, and every other script exits 0
 * unless `answer` says otherwise. `scripts` holds every script run, in order.
 */
export function fakeTarget(opts: FakeTargetOptions = {}): {target: Target; scripts: string[]} {
  const scripts: string[] = [];
  const target: Target = {
    kind: 'ssh',
    label: 'root@h:22',
    host: 'h',
    user: 'root',
    port: 22,
    async run(script): Promise<ExecResult> {
      scripts.push(script);
      // A step's last segment carries the read after the step (detection included) as its tail.
      const segment = script.includes('pcfail');
      // The read after a step, on its own (beside the step's last proof): marked probe, then facts.
      if (!segment && script.includes('echo @@PC-PROBE'))
        return {code: 0, stdout: `@@PC-PROBE\n@@PC-FACTS\n${FACTS}`, stderr: ''};
      if (!segment && script.includes('kv kernel')) return {code: 0, stdout: FACTS, stderr: ''};
      if (script.includes('@@LOCKED')) return {code: 0, stdout: '@@LOCKED\n', stderr: ''};
      const answer = opts.answer?.(script);
      if (answer) return answer;
      if (segment && script.includes('echo @@PC-TAIL'))
        return {code: 0, stdout: `@@PC-TAIL\n@@PC-PROBE\n@@PC-FACTS\n${FACTS}`, stderr: ''};
      return {code: 0, stdout: '', stderr: ''};
    },
    hold: async () => ({pid: 4242, release: async () => {}}),
    stats: {roundTrips: 0, waitMs: 0},
    probe: async () => ({ok: true, ms: 1}),
    describeRoute: opts.describeRoute ?? (() => 'ssh h'),
    close: async () => {},
  };
  return {target, scripts};
}
