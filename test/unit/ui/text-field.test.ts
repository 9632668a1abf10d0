import {describe, expect, it} from 'vitest';
import {type ScrollAction, scrollReducer} from '../../../src/ui/state/scroll.js';
import {confirmsHost, EMPTY_FIELD, FIELD_MAX, fieldReducer} from '../../../src/ui/state/text-field.js';

describe('fieldReducer', () => {
  it('inserts pasted text without control characters and deletes to the left by character', () => {
    let s = fieldReducer(EMPTY_FIELD, {type: 'insert', text: '192.0.2.10\r\n\u0007'});
    expect(s.value).toBe('192.0.2.10');
    s = fieldReducer(s, {type: 'delete-left'});
    expect(s.value).toBe('192.0.2.1');
    s = fieldReducer(fieldReducer(EMPTY_FIELD, {type: 'insert', text: 'é€'}), {type: 'delete-left'});
    expect(s.value).toBe('é');
  });

  it('an error is shown until the next keypress', () => {
    const s = fieldReducer(EMPTY_FIELD, {type: 'error', message: 'not the host'});
    expect(s.error).toBe('not the host');
    expect(fieldReducer(s, {type: 'insert', text: 'a'}).error).toBeUndefined();
  });

  it('is bounded', () => {
    expect(fieldReducer(EMPTY_FIELD, {type: 'insert', text: 'x'.repeat(1000)}).value).toHaveLength(FIELD_MAX);
  });
});

describe('confirmsHost', () => {
  it('accepts the exact host name, spaces around forgiven, nothing else', () => {
    expect(confirmsHost(' 192.0.2.10 ', '192.0.2.10')).toBe(true);
    expect(confirmsHost('192.0.2.1', '192.0.2.10')).toBe(false);
    expect(confirmsHost('', '192.0.2.10')).toBe(false);
    expect(confirmsHost('yes', '192.0.2.10')).toBe(false);
  });
});

describe('scrollReducer', () => {
  const run = (actions: ScrollAction[], total: number, height: number) =>
    actions.reduce((s, a) => scrollReducer(s, a, total, height), {offset: 0});

  it('never scrolls above the top or past the last row', () => {
    expect(run([{type: 'line', delta: -3}], 50, 10).offset).toBe(0);
    expect(run([{type: 'end'}], 50, 10).offset).toBe(40);
    expect(run([{type: 'page', delta: 10}], 50, 10).offset).toBe(40);
    expect(run([{type: 'line', delta: 5}], 8, 10).offset).toBe(0);
  });

  it('pages by one row less than the height, so a row stays for context', () => {
    expect(run([{type: 'page', delta: 1}], 50, 10).offset).toBe(9);
    expect(run([{type: 'end'}, {type: 'home'}], 50, 10).offset).toBe(0);
  });
});
