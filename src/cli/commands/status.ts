import {timerUnit} from '../../core/paths.js';
import {armedWindows, checkpoints} from '../../engine/journal.js';
import {readTargetJournal} from '../../engine/rollback.js';
import {describeFacts, detectFacts} from '../../platform/detect.js';
import {exposures} from '../../platform/exposure.js';
import {printJson, statusJson} from '../../present/json.js';
import {clockTime} from '../../util/clock-time.js';
import {printable} from '../../util/terminal.js';
import {type ConnectOptions, openTarget} from '../connect.js';

export async function runStatus(spec: string | undefined, o: ConnectOptions & {json?: boolean}): Promise<void> {
  const target = await openTarget(spec, o);
  try {
    const [facts, entries] = [
      await detectFacts(target),
      await readTargetJournal(target, (m) => process.stderr.write(`warning: ${target.label}: ${m}\n`)),
    ];
    const steps = checkpoints(entries);
    // WireGuard's own UDP ports are meant to be public (as apply's table says: open, not EXPOSED).
    const wg = await target.run('wg show all listen-port 2>/dev/null; true');
    const exp = exposures(facts, wireguardPorts(wg.stdout));
    if (o.json) {
      printJson('status', statusJson(target.label, facts, steps, exp));
      return;
    }
    // Everything here was read from the target (its journal, its processes): escaped before the terminal.
    const w = (s: string) => process.stdout.write(`${printable(s)}\n`);
    w(`${target.label}: ${describeFacts(facts)}`);
    w(steps.length ? 'checkpoints:' : 'no portcullis runs recorded on this target');
    for (const s of steps) w(`  ${s.step.padEnd(18)} ${s.state.padEnd(12)} run ${s.run}`);
    if (facts.portcullis.armedTimers.length) {
      // Each armed timer with when it restores its step (from the journal's armed time and window).
      const windows = armedWindows(entries);
      w('armed rollback timers:');
      for (const unit of facts.portcullis.armedTimers) {
        const win = windows.find((x) => unit.startsWith(`${timerUnit(x.run, x.step)}.`));
        w(
          win
            ? `  ${win.step.padEnd(18)} restores it at ${clockTime(win.deadline)} (in ${Math.max(0, Math.ceil((win.deadline - Date.now()) / 1000))} s), run ${win.run}`
            : `  ${unit}`,
        );
      }
    }
    w('listening:');
    for (const e of exp)
      w(
        `  ${`${e.address}:${e.port}/${e.proto}`.padEnd(28)} ${e.process.padEnd(14)} ${e.flag ? 'EXPOSED' : e.exposed ? 'public' : e.blocked ? 'public, blocked by the firewall' : 'local'}`,
      );
  } finally {
    await target.close();
  }
}

/** `wg show all listen-port` (interface, tab, port per line) as `51820/udp`; anything else is ignored. */
export function wireguardPorts(out: string): string[] {
  return out
    .split('\n')
    .map((l) => /^[A-Za-z0-9_.-]{1,15}\t([0-9]{1,5})$/.exec(l.trim())?.[1])
    .filter((p): p is string => p !== undefined && Number(p) >= 1 && Number(p) <= 65535)
    .map((p) => `${p}/udp`);
}
