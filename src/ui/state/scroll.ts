import {assertNever} from '../../util/errors.js';
/** A viewport over pre-wrapped rows: `offset` is the first row shown. */
export interface ScrollState {
  offset: number;
}

export type ScrollAction =
  | {type: 'line'; delta: number}
  | {type: 'page'; delta: number}
  | {type: 'home'}
  | {type: 'end'};

export function maxOffset(total: number, height: number): number {
  return Math.max(0, total - Math.max(1, height));
}

/** Moves the viewport; never past the first or the last row, whatever the content or height. */
export function scrollReducer(s: ScrollState, a: ScrollAction, total: number, height: number): ScrollState {
  const max = maxOffset(total, height);
  const page = Math.max(1, height - 1);
  let offset = s.offset;
  switch (a.type) {
    case 'line':
      offset += a.delta;
      break;
    case 'page':
      offset += a.delta * page;
      break;
    case 'home':
      offset = 0;
      break;
    case 'end':
      offset = max;
      break;
    default:
      assertNever(a, 'type');
  }
  offset = Math.min(max, Math.max(0, offset));
  return offset === s.offset ? s : {offset};
}
