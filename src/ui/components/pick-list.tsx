import {block, type Line} from '../model/lines.js';
import type {Choice} from '../model/questions.js';
import {LinesView} from './lines-view.js';

/**
 * A pick list as rows: each choice on its own row (› marks the one picked), what it trades away wrapped
 * under it, so every choice says its cost before it is picked.
 */
export function pickLines(choices: readonly Choice[], picked: number, width: number): Line[] {
  return choices.flatMap((c, i) => [
    ...block(`${i === picked ? '›' : ' '} ${c.label}`, i === picked ? 'bold' : 'plain', width, 0, undefined, 2),
    ...(c.trade ? block(c.trade, 'dim', width, 4) : []),
  ]);
}

export function PickList({choices, picked, width}: {choices: readonly Choice[]; picked: number; width: number}) {
  return <LinesView lines={pickLines(choices, picked, width)} />;
}
