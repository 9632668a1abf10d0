import {describe, expect, it} from 'vitest';
import {tunnelScreen} from '../../../src/ui/model/tunnel-screen.js';

const tunnel = {
  confPath: '/home/op/.local/state/portcullis/wireguard/vps-admin.conf',
  localIface: 'pcw1a2b3c4d',
  connect: false,
  deadline: 0,
};
/** A code as tall and wide as a client config's (29 rows, 57 columns). */
const QR = Array.from({length: 29}, () => '█'.repeat(57));
const base = {tunnel, qr: QR, width: 80, stopRows: 0};
const text = (lines: {text: string}[]) => lines.map((l) => l.text).join('\n');

describe('tunnelScreen', () => {
  it('80x24: compact, with the path, the exact wg-quick command and the wait, within the height', () => {
    const s = tunnelScreen({...base, height: 23});
    expect(s.mode).toBe('compact');
    expect(text(s.info)).toContain(`client config ${tunnel.confPath}`);
    expect(text(s.info)).toContain(`  sudo wg-quick up ${tunnel.confPath}`);
    expect(text(s.status)).toBe('waiting for a handshake from your device…');
    expect(s.note).toEqual([]);
    // header 2 + info + status + countdown + legend, and the action list gets the rest.
    expect(2 + s.actionRows + s.info.length + s.status.length + 2).toBe(23);
  });

  it('shows the code by itself when it fits, and the operator can turn it off', () => {
    const s = tunnelScreen({...base, height: 44});
    expect(s.mode).toBe('qr');
    expect(text(s.info)).toMatch(/scan this code with the WireGuard app/);
    expect(2 + QR.length + s.info.length + s.status.length + 2).toBeLessThanOrEqual(44);
    expect(tunnelScreen({...base, height: 44, toggled: false}).mode).toBe('compact');
  });

  it('a terminal just tall enough for the code gets it with fewer words', () => {
    // header 2 + code 29 + one line + status 1 + countdown and legend 2 = 35.
    const s = tunnelScreen({...base, height: 35});
    expect(s.mode).toBe('qr');
    expect(text(s.info)).toBe('scan this code with the WireGuard app on your phone');
    expect(tunnelScreen({...base, height: 34}).mode).toBe('compact');
  });

  it('asked for a code that cannot fit: says the size it needs, never draws part of it', () => {
    const s = tunnelScreen({...base, height: 23, toggled: true});
    expect(s.mode).toBe('compact');
    expect(text(s.note)).toMatch(/needs a terminal of 36 rows and 57 columns \(this one: 24 × 80\)/);
    expect(tunnelScreen({...base, width: 50, height: 60, toggled: true}).mode).toBe('compact');
  });

  it('a code not drawn yet, or a file that cannot be read, is said so when asked for', () => {
    expect(text(tunnelScreen({...base, qr: undefined, height: 44, toggled: true}).note)).toMatch(/drawing the QR code/);
    expect(text(tunnelScreen({...base, qr: null, height: 44, toggled: true}).note)).toMatch(/could not\s+be read/);
    expect(tunnelScreen({...base, qr: null, height: 44}).mode).toBe('compact');
  });

  it('after the handshake: the next thing to do, no instructions, no code unless asked for', () => {
    const handshake = 'handshake seen, now log in through the tunnel: ssh -p 2222 admin@10.66.0.1';
    const s = tunnelScreen({...base, height: 44, handshake});
    expect(s.mode).toBe('compact');
    expect(s.info).toEqual([]);
    expect(text(s.status)).toBe(handshake);
    expect(tunnelScreen({...base, height: 44, handshake, toggled: true}).mode).toBe('qr');
  });

  it('a short terminal keeps the command before the rest', () => {
    const s = tunnelScreen({...base, width: 40, height: 11});
    expect(text(s.info)).toMatch(/^ {2}the command printed just above/);
    expect(2 + s.actionRows + s.info.length + s.status.length + 2).toBeLessThanOrEqual(11);
  });

  it('the size it asks for is the size at which the code appears, at any terminal size (one number)', () => {
    const said = (height: number) => {
      const n = tunnelScreen({...base, height, toggled: true})
        .note.map((l) => l.text)
        .join(' ');
      return Number(/needs a terminal of (\d+) rows/.exec(n)?.[1]);
    };
    const at24 = said(23);
    expect(at24).toBeGreaterThan(24);
    for (const h of [20, 23, 30]) expect(said(h)).toBe(at24);
    // A terminal of that many rows has a live region one row shorter: the code is there; one row less, not.
    expect(tunnelScreen({...base, height: at24 - 1, toggled: true}).mode).toBe('qr');
    expect(tunnelScreen({...base, height: at24 - 2, toggled: true}).mode).toBe('compact');
  });
});
