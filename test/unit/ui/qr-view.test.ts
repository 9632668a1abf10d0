import {describe, expect, it} from 'vitest';
import {QR_VIEW_CHROME, qrView} from '../../../src/ui/model/qr-view.js';

/** A code as tall and wide as a client config's (29 rows, 57 columns). */
const QR = Array.from({length: 29}, () => '█'.repeat(57));
const CONF = '/home/op/.local/state/portcullis/wireguard/vps-admin.conf';
const base = {qr: QR, confPath: CONF, elsewhere: `qrencode -t ansiutf8 -m 2 < ${CONF}`, width: 80};
const text = (lines: {text: string}[]) => lines.map((l) => l.text).join('\n');
/** The words, whatever the rows they wrapped to. */
const flat = (lines: {text: string}[]) => text(lines).replace(/\s+/g, ' ');

describe('qrView', () => {
  it('80x24: says the rows it needs, offers the PNG and the command, and fits', () => {
    const v = qrView({...base, height: 23});
    expect(v.mode).toBe('text');
    expect(v.needRows).toBe(QR.length + QR_VIEW_CHROME + 1);
    expect(flat(v.lines)).toContain(
      'It needs a terminal of 33 rows and 57 columns (this one: 24 × 80): make the window taller (or the font smaller); this view redraws.',
    );
    expect(flat(v.lines)).toContain(
      "Or press p: the code is written as a PNG next to the client config (0600, like the config: it holds your peer's private key)",
    );
    // The command is longer than a row here: printed whole in the log above, pointed at here.
    expect(flat(v.lines)).toContain('Or draw it in another terminal: (the qrencode command printed just above)');
    expect(v.lines.length + QR_VIEW_CHROME).toBeLessThanOrEqual(23);
    for (const l of v.lines) expect(Array.from(l.text).length).toBeLessThanOrEqual(80);
    // A short one is shown whole.
    const short = qrView({...base, elsewhere: 'qrencode -t ansiutf8 -m 2 < /tmp/a.conf', height: 23});
    expect(text(short.lines)).toContain('\n  qrencode -t ansiutf8 -m 2 < /tmp/a.conf');
  });

  it('the size it says is the size at which the code is drawn, at every size (one number)', () => {
    const said = (height: number) =>
      Number(/needs a terminal of (\d+) rows/.exec(flat(qrView({...base, height}).lines))?.[1]);
    const need = said(23);
    for (const h of [10, 23, 30]) expect(said(h)).toBe(need);
    // The live region is the terminal less one row.
    expect(qrView({...base, height: need - 1}).mode).toBe('code');
    expect(qrView({...base, height: need - 2}).mode).toBe('text');
    // Too narrow is too small too.
    expect(qrView({...base, width: 56, height: 60}).mode).toBe('text');
  });

  it('once the PNG is written: its path; a path too long for the row points at the log above, where it is whole', () => {
    const short = qrView({...base, height: 23, png: {path: '/tmp/vps-admin.png'}});
    expect(text(short.lines)).toContain("PNG written (0600: it holds your peer's private key):\n  /tmp/vps-admin.png");
    const long = `/home/op/${'x'.repeat(80)}/vps-admin.png`;
    const v = qrView({...base, height: 23, png: {path: long}});
    expect(flat(v.lines)).toContain('(its path is printed just above, whole)');
    for (const l of v.lines) expect(Array.from(l.text).length).toBeLessThanOrEqual(80);
    expect(text(qrView({...base, height: 23, png: {error: 'EACCES'}}).lines)).toMatch(/could not be written: EACCES/);
  });

  it('a code not drawn yet, or a file that cannot be read, is said so', () => {
    expect(text(qrView({...base, qr: undefined, height: 44}).lines)).toMatch(/drawing the QR code/);
    const unreadable = qrView({...base, qr: null, height: 44});
    expect(flat(unreadable.lines)).toBe(`No QR code: ${CONF} could not be read on this machine.`);
  });

  it('never taller than a tiny terminal', () => {
    const v = qrView({...base, width: 40, height: 8});
    expect(v.lines.length + QR_VIEW_CHROME).toBeLessThanOrEqual(8);
    expect(text(v.lines)).toMatch(/needs a terminal/);
  });
});
