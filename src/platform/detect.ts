import type {Facts} from '../core/facts.js';
import type {Target} from '../target/types.js';
import {RunError} from '../util/errors.js';
import {printable} from '../util/terminal.js';
import {DETECT_SCRIPT} from './detect-script.js';
import {parseFacts} from './parse-facts.js';

/**
 * Platform detection in one round trip (read-only). `first`: a line run before it in the same round trip
 * (waiting for the run's packages-ahead job, so the facts see them installed).
 */
export async function detectFacts(target: Target, first?: string): Promise<Facts> {
  const r = await target.run(detectScript(first), {timeoutMs: first ? 660_000 : 60_000});
  return factsFrom(target, r);
}

/** The detection script, after `first` (run before it in the same round trip). */
export function detectScript(first?: string): string {
  return first ? `${first}\n${DETECT_SCRIPT}` : DETECT_SCRIPT;
}

export function factsFrom(target: Target, r: {code: number; stdout: string; stderr: string}): Facts {
  if (r.code !== 0 || !r.stdout.includes('kernel\t')) {
    throw new RunError(
      `could not read the platform of ${target.label}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`,
    );
  }
  return parseFacts(r.stdout);
}

export function describeFacts(f: Facts): string {
  const fw = f.firewall.active === 'none' ? 'no active firewall' : `${f.firewall.active} active`;
  const who = f.operator.clientAddress ? ` from ${f.operator.clientAddress}` : '';
  return printable(
    `${f.os.pretty}, ${f.init}, ${f.ssh.versionText || 'OpenSSH ?'} (${f.ssh.unit}${f.ssh.socketActivated ? ', socket-activated' : ''}), ${fw}; you are ${f.operator.loginUser}${who}`,
  );
}
