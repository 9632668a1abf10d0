import {assertNever} from '../../util/errors.js';
import type {ExposureState, Finish, StepView} from '../state/types.js';
import {block, clip, type Line} from './lines.js';
import {STATE_WORD} from './preflight-lines.js';
import {clockTime} from './time.js';

/** A step that only proves (verify-tunnel): nothing of it is on the server to roll back. */
const readOnly = (s: StepView) =>
  (s.planned?.plan.actions.length ?? 0) > 0 &&
  (s.planned?.plan.actions ?? []).every(
    (a) => a.kind === 'proof' || a.kind === 'timer.arm' || a.kind === 'timer.disarm',
  );

function headline(f: Finish, steps: readonly StepView[], target: string): Line[] {
  const applied = steps.filter((s) => s.status === 'done');
  const o = f.outcome;
  switch (o.kind) {
    case 'applied':
      return [
        {
          text: `Done: ${applied.length} step(s) applied, ${o.changed} change(s) on ${target}; every new way in was proven first.`,
          tone: 'ok',
        },
      ];
    case 'failed': {
      // A rolled-back step printed its reason just above: say what it means instead of repeating it.
      const rolled = steps.find((s) => s.status === 'rolled-back');
      const kept = applied.length ? ` ${applied.map((s) => s.title).join(', ')} stay(s) applied.` : '';
      return [
        {
          text: rolled
            ? readOnly(rolled)
              ? `Not done: ${rolled.title} did not prove it (why: above); it changes nothing on the server.${kept}`
              : `Not done: ${rolled.title} was rolled back (why: above); everything it changed is restored.${kept}`
            : `Not done: ${o.message}`,
          tone: 'error',
        },
      ];
    }
    case 'stopped':
      return [{text: /^stopped/i.test(o.message) ? `S${o.message.slice(1)}` : `Stopped: ${o.message}`, tone: 'warn'}];
    case 'left-to-timer': {
      const s = steps.find((x) => x.id === o.stepId);
      return [
        {
          text: `Stopped inside the confirmation window of ${s?.title ?? o.stepId}: the dead-man timer on the target restores it at ${clockTime(o.deadline)}, whether or not this machine stays connected.`,
          tone: 'warn',
        },
      ];
    }
    default:
      return assertNever(o, 'kind');
  }
}

const word = (s: ExposureState | undefined, known: boolean) => (s ? STATE_WORD[s].word : known ? 'closed' : '?');

/** The finish screen as rows: outcome, exposure before and after, the way in now, journal, how to undo. */
export function finishLines(f: Finish, steps: readonly StepView[], target: string, width: number): Line[] {
  const out: Line[] = [{text: '─'.repeat(Math.min(width, 60)), tone: 'dim'}];
  for (const h of headline(f, steps, target)) out.push(...block(h.text, h.tone, width, 0));
  if (f.exposures.length) {
    out.push({text: `${'Listening'.padEnd(34)}${'before'.padEnd(10)}after`, tone: 'bold'});
    for (const r of f.exposures) {
      const changed = r.before !== r.after;
      const tone =
        r.after === 'exposed' || (!f.exposuresAfterKnown && r.before === 'exposed') ? 'warn' : changed ? 'ok' : 'plain';
      const text = `${clip(`${r.key} ${r.process}`, 33).padEnd(34)}${(r.before ? STATE_WORD[r.before].word : 'new').padEnd(10)}${word(r.after, f.exposuresAfterKnown)}`;
      out.push({text: clip(text, width), tone});
    }
    if (!f.exposuresAfterKnown) out.push(...block('(after: not read again, the run ended first)', 'dim', width, 0));
  }
  // Commands and paths to copy: whole, on one row each (see Line.nowrap).
  const kv = (label: string, value: string | undefined) => {
    if (value) out.push({text: value, tone: 'cmd', label, nowrap: true});
  };
  kv('Way in', f.wayIn);
  for (const a of f.artifacts) kv('Client', a);
  kv('Journal', f.journal);
  if (f.waitUntil !== undefined)
    out.push(
      ...block(
        `until ${clockTime(f.waitUntil)}: the step is live until its timer restores it, so these may not get in before then (root login may be off)`,
        'warn',
        width - 9,
        0,
      ).map((l, i) => ({...l, label: i === 0 ? 'Wait' : ''})),
    );
  kv('Undo', f.rollback);
  kv('Check', f.status);
  kv('Again', f.again);
  return out;
}
