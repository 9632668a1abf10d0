import type {Finding} from '../../core/types.js';
import type {ExposureState} from '../state/types.js';
import {block, clip, type Line, type Tone} from './lines.js';
import type {PreflightInfo} from './preflight-info.js';
import {findingLines} from './review-lines.js';

export const STATE_WORD: Record<ExposureState, {word: string; tone: Tone}> = {
  exposed: {word: 'EXPOSED', tone: 'error'},
  open: {word: 'open', tone: 'plain'},
  blocked: {word: 'blocked', tone: 'ok'},
  local: {word: 'local', tone: 'dim'},
};

/** What was found, as rows: the platform, the operator's way in, what listens and what is exposed, findings. */
export function preflightLines(info: PreflightInfo, findings: readonly Finding[], width: number): Line[] {
  const out: Line[] = [];
  const body = width - 9;
  out.push(...block(info.platform, 'plain', body, 0, 'Platform'));
  out.push(...block(info.ssh, 'plain', body, 0, 'SSH'));
  out.push(...block(info.you, 'plain', body, 0, 'You'));
  out.push(...block(info.firewall, info.firewall.startsWith('no ') ? 'warn' : 'plain', body, 0, 'Firewall'));
  for (const n of info.notes) out.push(...block(n, 'warn', body, 0, ''));
  if (info.listeners.length === 0) out.push(...block('nothing listens', 'dim', body, 0, 'Sockets'));
  info.listeners.forEach((l, i) => {
    const st = STATE_WORD[l.state];
    const text = `${st.word.padEnd(8)}${l.key.padEnd(24)} ${l.process}`;
    out.push({text: clip(text, body), tone: st.tone, label: i === 0 ? 'Sockets' : ''});
  });
  const shown = findings.filter((f) => f.level !== 'info' || !/provider \(cloud\) firewall/.test(f.message));
  if (shown.length) {
    out.push(...findingLines(shown, body, 0).map((l, i) => ({...l, label: i === 0 ? 'Findings' : ''})));
  }
  return out;
}
