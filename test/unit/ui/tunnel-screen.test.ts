import {describe, expect, it} from 'vitest';
import {tunnelScreen} from '../../../src/ui/model/tunnel-screen.js';

const tunnel = {
  confPath: '/home/op/.local/state/portcullis/wireguard/vps-admin.conf',
  localIface: 'pcw1a2b3c4d',
  connect: false,
  deadline: 0,
};
const base = {tunnel, width: 80, stopRows: 0};
const text = (lines: {text: string}[]) => lines.map((l) => l.text).join('\n');

describe('tunnelScreen', () => {
  it('80x24: the path, the exact wg-quick command, the key for the QR view and the wait, within the height', () => {
    const s = tunnelScreen({...base, height: 23});
    expect(text(s.info)).toContain(`client config ${tunnel.confPath}`);
    expect(text(s.info)).toMatch(/scan its QR code with the WireGuard app on your phone \(r shows it\)/);
    expect(text(s.info)).toContain(`  sudo wg-quick up ${tunnel.confPath}`);
    expect(text(s.status)).toBe('waiting for a handshake from your device…');
    // header 2 + info + status + countdown + legend, and the action list gets the rest.
    expect(2 + s.actionRows + s.info.length + s.status.length + 2).toBe(23);
  });

  it('after the handshake: the next thing to do, no instructions', () => {
    const handshake = 'handshake seen, now log in through the tunnel: ssh -p 2222 admin@10.66.0.1';
    const s = tunnelScreen({...base, height: 44, handshake});
    expect(s.info).toEqual([]);
    expect(text(s.status)).toBe(handshake);
  });

  it('a short terminal keeps the command before the rest', () => {
    const s = tunnelScreen({...base, width: 40, height: 11});
    expect(text(s.info)).toMatch(/^ {2}the command printed just above/);
    expect(2 + s.actionRows + s.info.length + s.status.length + 2).toBeLessThanOrEqual(11);
  });
});
