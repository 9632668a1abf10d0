import {Box} from 'ink';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {EngineEvent} from '../../../src/engine/events.js';
import {App} from '../../../src/ui/app.js';
import {ApplyProgress} from '../../../src/ui/components/apply-progress.js';
import {StepResult} from '../../../src/ui/components/step-result.js';
import {newStep, runReducer} from '../../../src/ui/state/run-reducer.js';
import type {StepView} from '../../../src/ui/state/types.js';
import {WizardStore} from '../../../src/ui/store.js';
import {qrRows} from '../../../src/wg/qr.js';
import {cleanup, FIXED_NOW, renderUi, settle} from '../../helpers/render.js';
import {planned} from './fixtures.js';

afterEach(cleanup);

/** A client config as wireguard writes it, with a made-up key: the QR code is the same on every run. */
const CONF = [
  '[Interface]',
  `PrivateKey = ${'A'.repeat(43)}=`,
  'Address = 10.66.0.2/32',
  '',
  '[Peer]',
  `PublicKey = ${'B'.repeat(43)}=`,
  'Endpoint = 192.0.2.10:51820',
  'AllowedIPs = 10.66.0.0/24',
  'PersistentKeepalive = 25',
  '',
].join('\n');
const PATH = '/home/op/.local/state/portcullis/wireguard/vps-admin.conf';
const WHAT = 'admin logs in through the tunnel (ssh admin@10.66.0.1)';
const HANDSHAKE = 'handshake seen, now log in through the tunnel: ssh admin@10.66.0.1';
const VERIFY = {
  ...planned('verify-tunnel', 'safe', [{kind: 'proof', route: {user: 'admin', host: '10.66.0.1'}, what: WHAT}]),
  title: 'Verify the tunnel',
};

/** A row drawn of half blocks only, as wide as the code: a row of a QR code. */
const QR_ROW = /^ *[▀▄█ ]{40,}$/;
const qrRowsIn = (rows: string[]) => rows.filter((r) => QR_ROW.test(r) && /[▀▄█]/.test(r));

let qr: string[];
beforeAll(async () => {
  qr = await qrRows(CONF);
});

function waiting(extra: EngineEvent[] = [], connect = false): StepView[] {
  const events: EngineEvent[] = [
    {type: 'step.planned', step: VERIFY},
    {type: 'step.start', id: 'verify-tunnel'},
    {
      type: 'proof.start',
      id: 'verify-tunnel',
      what: WHAT,
      command: 'ssh admin@10.66.0.1',
      tunnel: {confPath: PATH, localIface: 'pcw1a2b3c4d', connect, deadline: FIXED_NOW + 97_000},
    },
    ...extra,
  ];
  return events.reduce(runReducer, [newStep('verify-tunnel', 'Verify the tunnel', 'safe')]);
}

describe('qrRows', () => {
  it('draws the code in half blocks with a 2-module margin, two modules a row, no escape codes', () => {
    // 53 modules (version 9) + 2 x 2 margin: 57 columns, 29 rows.
    expect(qr).toHaveLength(29);
    for (const row of qr) expect(Array.from(row)).toHaveLength(57);
    expect(qr.join('')).toMatch(/^[▀▄█ ]+$/);
    // The top margin row is light; the finder pattern's top edge starts two modules down and in.
    expect(qr[0]?.trim()).toBe('');
    expect(qr[1]?.slice(0, 9)).toBe('  █▀▀▀▀▀█');
  });
});

describe('the WireGuard step result', () => {
  const done = (artifacts: StepView['artifacts']): StepView => ({
    ...newStep('wireguard', 'WireGuard', 'reversible'),
    status: 'done',
    changed: 5,
    ms: 2100,
    artifacts,
  });

  it('shows where the client config was saved (0600) and its QR code, and only paths for the others', async () => {
    const r = await renderUi(
      <StepResult
        step={done([
          {path: PATH, kind: 'client-config', qr},
          {path: '/home/op/.local/state/portcullis/wireguard/vps-bob.conf', kind: 'client-config'},
        ])}
        width={80}
      />,
    );
    const f = r.frame();
    expect(f).toMatch(/✔ WireGuard done\n +5 change\(s\) in 2\.1 s/);
    expect(f).toContain(`    client config ${PATH}\n`);
    expect(f).toMatch(/0600: it holds your peer's private key; its QR code is shown here only/);
    expect(f).toMatch(/scan it with the WireGuard app on your phone:/);
    expect(f).toContain('    client config /home/op/.local/state/portcullis/wireguard/vps-bob.conf (0600)');
    // One code, whole, under the operator's own config; no colour here: light modules are drawn.
    expect(qrRowsIn(r.rows())).toHaveLength(qr.length);
    expect(r.rows()).toContain(`    ${'█'.repeat(57)}`);
    expect(f).not.toMatch(/PrivateKey|AAAA/);
  });

  it('with colour, draws the dark modules in black on white', async () => {
    const r = await renderUi(<StepResult step={done([{path: PATH, kind: 'client-config', qr}])} width={80} />, {
      color: true,
    });
    // ANSI 47 (white) and 30 (black) around each row of the code, as drawn (dark modules are the blocks).
    const f = r.frame();
    for (const row of qr) expect(f).toContain(`\u001b[47m\u001b[30m${row}`);
  });

  it('says so instead of drawing a code wider than the terminal', async () => {
    const r = await renderUi(<StepResult step={done([{path: PATH, kind: 'client-config', qr}])} width={50} />, {
      columns: 50,
    });
    expect(r.frame()).toMatch(/its QR code needs 61 columns; this terminal\s+has 50/);
    expect(qrRowsIn(r.rows())).toHaveLength(0);
  });

  it('other steps list the files they saved', async () => {
    const evidence = {
      ...newStep('evidence', 'Evidence', 'safe'),
      status: 'compliant' as const,
      artifacts: [{path: '/home/op/evidence/vps-20261121T120000Z', kind: 'file' as const}],
    };
    const r = await renderUi(<StepResult step={evidence} width={80} />);
    expect(r.frame()).toMatch(/saved on this machine: \/home\/op\/evidence\/vps-20261121T120000Z/);
  });
});

describe('waiting for the tunnel the operator brings up', () => {
  it('80x24: too short for the code, so the path and the exact wg-quick command, and the wait', async () => {
    const steps = waiting();
    const r = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={80} height={23} />,
    );
    const f = r.frame();
    expect(f).toMatch(/1\/1 Verify the tunnel proving · read-only/);
    expect(f).toMatch(/▸ prove: admin logs in through the tunnel/);
    expect(f).toContain(`client config ${PATH}`);
    expect(f).toMatch(/scan its QR code with the WireGuard app on your phone \(r shows it\)/);
    expect(f).toContain(`  sudo wg-quick up ${PATH}\n`);
    expect(f).toMatch(/waiting for a handshake from your device…/);
    expect(f).toMatch(/97 s left, then this step fails and the run stops before the next/);
    expect(f).toMatch(/r QR code · Ctrl-C or q stop safely/);
    expect(qrRowsIn(r.rows())).toHaveLength(0);
    expect(r.rows().length).toBeLessThanOrEqual(23);
  });

  it('r asks for the code; at 80x24 it says what size the terminal needs rather than draw half of it', async () => {
    const steps = waiting();
    const r = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={80} height={23} />,
    );
    await r.type('r');
    expect(r.frame()).toMatch(/the QR code needs a terminal of 36 rows and 57 columns \(this one: 24 × 80\)/);
    expect(qrRowsIn(r.rows())).toHaveLength(0);
    expect(r.rows().length).toBeLessThanOrEqual(23);
    await r.type('r');
    expect(r.frame()).not.toMatch(/needs a terminal/);
  });

  it('a tall terminal shows the code at once; r hides it and shows it again', async () => {
    const steps = waiting();
    const r = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={80} height={44} />,
      {rows: 45},
    );
    expect(qrRowsIn(r.rows())).toHaveLength(qr.length);
    expect(r.frame()).toMatch(/scan this code with the WireGuard app on your phone, or on a laptop run:/);
    expect(r.frame()).toContain(`sudo wg-quick up ${PATH}`);
    expect(r.frame()).toMatch(/r hide the QR code/);
    expect(r.rows().length).toBeLessThanOrEqual(44);
    await r.type('r');
    expect(qrRowsIn(r.rows())).toHaveLength(0);
    expect(r.frame()).toMatch(/r QR code ·/);
    await r.type('r');
    expect(qrRowsIn(r.rows())).toHaveLength(qr.length);
  });

  it('at 80x24 it says the terminal size the code needs, and at exactly that size the whole code is there', async () => {
    const steps = waiting();
    const small = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={80} height={23} />,
    );
    await small.type('r');
    const need = Number(/the QR code needs a terminal of (\d+) rows/.exec(small.frame().replace(/\n/g, ' '))?.[1]);
    expect(need).toBeGreaterThan(24);
    expect(qrRowsIn(small.rows())).toHaveLength(0);
    for (const row of small.rows()) expect(row.length).toBeLessThanOrEqual(80);
    cleanup();
    // The live region is one row shorter than the terminal (App passes rows - 1).
    const big = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={80} height={need - 1} />,
      {rows: need},
    );
    expect(qrRowsIn(big.rows())).toHaveLength(qr.length);
    expect(big.rows().length).toBeLessThanOrEqual(need - 1);
  });

  it('once the handshake is seen: the login to make through the tunnel, and no code in the way', async () => {
    const steps = waiting([
      {type: 'proof.progress', id: 'verify-tunnel', what: WHAT, stage: 'handshake', message: HANDSHAKE},
    ]);
    const r = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={80} height={44} />,
      {rows: 45},
    );
    expect(r.frame()).toContain(HANDSHAKE);
    expect(r.frame()).not.toMatch(/waiting for a handshake|wg-quick/);
    expect(qrRowsIn(r.rows())).toHaveLength(0);
  });

  it('a client config that could not be read: the path and command still, and r says why there is no code', async () => {
    const steps = waiting();
    const r = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={null} width={80} height={44} />,
      {rows: 45},
    );
    expect(r.frame()).toContain(`sudo wg-quick up ${PATH}`);
    await r.type('r');
    expect(r.frame()).toMatch(/no QR code: .*vps-admin\.conf could not\s+be read on this machine/);
  });

  it('fits a narrow, short terminal', async () => {
    const steps = waiting();
    // Inside the live region's box, as App draws it.
    const r = await renderUi(
      <Box width={40} flexDirection="column">
        <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={40} height={11} />
      </Box>,
      {columns: 40, rows: 12},
    );
    expect(r.rows().length).toBeLessThanOrEqual(11);
    for (const row of r.rows()) expect(Array.from(row).length).toBeLessThanOrEqual(40);
    // Too long for a row here: it was printed whole above, never cut with a glyph.
    expect(r.frame()).toMatch(/the command printed just above/);
    expect(r.frame()).not.toMatch(/↪/);
    expect(r.frame()).toMatch(/waiting for a handshake/);
  });

  it("under an armed dead-man timer (close-ports), the time left is the timer's, and so is what follows", async () => {
    const steps = waiting([{type: 'timer.armed', id: 'verify-tunnel', seconds: 120, deadline: FIXED_NOW + 42_000}]);
    const r = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={80} height={23} />,
    );
    expect(r.frame()).toMatch(/42 s left, then everything rolls back/);
    expect(r.frame()).toMatch(/waiting for a handshake from your device…/);
  });

  it('with --connect-tunnel the run brings the tunnel up itself: the usual proof screen', async () => {
    const steps = waiting([], true);
    const r = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={80} height={23} />,
    );
    expect(r.frame()).toMatch(/proving admin logs in through the tunnel \(ssh admin@10\.66\.0\.1\) with a fresh/);
    expect(r.frame()).toMatch(/the same as: ssh admin@10\.66\.0\.1/);
    expect(r.frame()).not.toMatch(/handshake from your device|wg-quick/);
  });
});

describe('the wizard after the WireGuard step', () => {
  it('prints the client config and its code under the step, then shows it again while it waits for the tunnel', async () => {
    const store = new WizardStore({
      label: 'root@192.0.2.10',
      host: '192.0.2.10',
      recipe: 'fresh-vps',
      banner: 'portcullis 0.1.0 · recipe fresh-vps · root@192.0.2.10',
      startedAt: FIXED_NOW,
      steps: [
        {id: 'wireguard', title: 'WireGuard', risk: 'reversible'},
        {id: 'verify-tunnel', title: 'Verify the tunnel', risk: 'safe'},
      ],
    });
    const r = await renderUi(<App store={store} acceptAfterMs={0} />, {rows: 45});
    store.dispatch({
      type: 'ui.connected',
      preflight: {platform: 'Debian 12', ssh: 'OpenSSH_9.2', you: 'root', firewall: 'none', listeners: [], notes: []},
    });
    store.dispatch({type: 'ui.continue'});
    store.events({
      type: 'step.planned',
      step: {...planned('wireguard', 'reversible', [{kind: 'run', argv: ['true'], label: 'x'}]), title: 'WireGuard'},
    });
    store.events({type: 'step.start', id: 'wireguard'});
    store.events({type: 'step.done', id: 'wireguard', changed: 1, ms: 2000});
    // What the frontend does before the engine reports the file (its wrapped afterApply), then the event.
    store.dispatch({type: 'ui.qr', path: PATH, rows: qr});
    store.events({type: 'artifact', id: 'wireguard', path: PATH, kind: 'client-config'});
    await settle();
    const rows = r.rows();
    const at = rows.findIndex((l) => /✔ WireGuard done/.test(l));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(rows.findIndex((l) => l.includes(`client config ${PATH}`))).toBeGreaterThan(at);
    expect(qrRowsIn(rows)).toHaveLength(qr.length);

    store.events({type: 'step.planned', step: VERIFY});
    store.events({type: 'step.start', id: 'verify-tunnel'});
    store.events({
      type: 'proof.start',
      id: 'verify-tunnel',
      what: WHAT,
      command: 'ssh admin@10.66.0.1',
      tunnel: {confPath: PATH, localIface: 'pcw1a2b3c4d', connect: false, deadline: FIXED_NOW + 97_000},
    });
    await settle();
    // The printed code above, and the live one: twice.
    expect(qrRowsIn(r.rows())).toHaveLength(2 * qr.length);
    expect(r.frame()).toMatch(/waiting for a handshake from your device…/);
    store.events({type: 'proof.progress', id: 'verify-tunnel', what: WHAT, stage: 'handshake', message: HANDSHAKE});
    await settle();
    expect(r.frame()).toContain(HANDSHAKE);
    expect(qrRowsIn(r.rows())).toHaveLength(qr.length);
  });
});
