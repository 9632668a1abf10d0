import {EventEmitter} from 'node:events';
import {describe, expect, it} from 'vitest';
import {interruptKeys} from '../../src/cli/interrupt-keys.js';

/** A terminal's input as far as interruptKeys uses it: raw mode, data, pause/resume, unref. */
function fakeTty(isTTY = true) {
  const modes: boolean[] = [];
  const t = Object.assign(new EventEmitter(), {
    isTTY,
    isRaw: false,
    setRawMode(on: boolean) {
      t.isRaw = on;
      modes.push(on);
      return t;
    },
    resume: () => t,
    pause: () => t,
    unref: () => t,
  });
  return {t, modes, input: t as unknown as NodeJS.ReadStream};
}

describe('headless on a terminal: Ctrl-C as a key, not a signal to the ssh clients', () => {
  it('turns the terminal signal keys off, calls the handler on each Ctrl-C byte, ignores the rest, and gives the mode back', () => {
    const {t, modes, input} = fakeTty();
    let calls = 0;
    const release = interruptKeys(() => calls++, input);
    expect(t.isRaw).toBe(true);
    t.emit('data', Buffer.from('yes\r'));
    expect(calls).toBe(0);
    t.emit('data', Buffer.from([0x03]));
    t.emit('data', Buffer.from([0x61, 0x03, 0x03]));
    expect(calls).toBe(3);
    release();
    expect(modes).toEqual([true, false]);
    t.emit('data', Buffer.from([0x03]));
    expect(calls).toBe(3);
  });

  it('leaves input that is no terminal alone (a pipe, CI): SIGINT stays the only way', () => {
    const {t, modes, input} = fakeTty(false);
    const release = interruptKeys(() => {}, input);
    expect(modes).toEqual([]);
    expect(t.listenerCount('data')).toBe(0);
    release();
  });
});
