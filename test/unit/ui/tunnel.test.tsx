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
  const wait = (height: number, view?: Parameters<typeof ApplyProgress>[0]['qrView'], steps = waiting()) => (
    <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} qrView={view} width={80} height={height} />
  );
  /** The view's words, whatever the rows they wrapped to. */
  const flat = (f: string) => f.replace(/\s+/g, ' ');

  it('80x24: the QR view first, saying the rows the code needs, the PNG and the command; a key leaves it', async () => {
    const r = await renderUi(wait(23));
    const f = flat(r.frame());
    expect(f).toMatch(/^Scan this code with the WireGuard app on your phone/);
    expect(f).toContain(
      'It needs a terminal of 33 rows and 57 columns (this one: 24 × 80): make the window taller (or the font smaller); this view redraws.',
    );
    expect(f).toContain('Or press p: the code is written as a PNG next to the client config (0600');
    // Longer than a row: printed whole in the log above (see the wizard test below), pointed at here.
    expect(f).toContain('Or draw it in another terminal: (the qrencode command printed just above)');
    expect(f).toMatch(/^Scan this code with the WireGuard app on your phone · 97 s left /);
    expect(f).toMatch(/waiting for a handshake from your device…/);
    expect(f).toMatch(/any key back to the wait · p save as PNG · Ctrl-C or q stop safely/);
    expect(qrRowsIn(r.rows())).toHaveLength(0);
    expect(r.rows().length).toBeLessThanOrEqual(23);
    for (const row of r.rows()) expect(row.length).toBeLessThanOrEqual(80);
    // It stays: time passes, nothing closes it but a key.
    await settle();
    expect(r.frame()).toMatch(/needs a terminal of 33 rows/);
    await r.press('enter');
    const back = r.frame();
    expect(back).toMatch(/1\/1 Verify the tunnel proving · read-only/);
    expect(back).toMatch(/▸ prove: admin logs in through the tunnel/);
    expect(back).toContain(`client config ${PATH}`);
    expect(back).toMatch(/scan its QR code with the WireGuard app on your phone \(r shows it\)/);
    expect(back).toContain(`  sudo wg-quick up ${PATH}\n`);
    expect(back).toMatch(/97 s left, then this step fails and the run stops before the next/);
    expect(back).toMatch(/r QR code · Ctrl-C or q stop safely/);
    expect(r.rows().length).toBeLessThanOrEqual(23);
    await r.type('r');
    expect(r.frame()).toMatch(/needs a terminal of 33 rows/);
  });

  it('80x40: the whole code in its view, until a key; r shows it again', async () => {
    const r = await renderUi(wait(39), {rows: 40});
    expect(qrRowsIn(r.rows())).toHaveLength(qr.length);
    expect(r.frame()).toMatch(/^Scan this code with the WireGuard app on your phone/);
    expect(r.frame()).toMatch(/waiting for a handshake from your device…/);
    expect(r.frame()).not.toMatch(/needs a terminal/);
    expect(r.rows().length).toBeLessThanOrEqual(39);
    await r.type('x');
    expect(qrRowsIn(r.rows())).toHaveLength(0);
    expect(r.frame()).toContain(`sudo wg-quick up ${PATH}`);
    await r.type('r');
    expect(qrRowsIn(r.rows())).toHaveLength(qr.length);
  });

  it('redraws on resize: made as tall as it says, the whole code is there; one row less, it is not', async () => {
    const r = await renderUi(wait(23));
    const need = Number(/needs a terminal of (\d+) rows/.exec(flat(r.frame()))?.[1]);
    expect(need).toBeGreaterThan(24);
    // The live region is one row shorter than the terminal (App passes rows - 1).
    await r.resize(wait(need - 2), {columns: 80, rows: need - 1});
    expect(qrRowsIn(r.rows())).toHaveLength(0);
    await r.resize(wait(need - 1), {columns: 80, rows: need});
    expect(qrRowsIn(r.rows())).toHaveLength(qr.length);
    expect(r.rows().length).toBeLessThanOrEqual(need - 1);
  });

  it('p asks for the PNG and keeps the view; once written its path is shown', async () => {
    let asked = 0;
    const r = await renderUi(wait(23, {onPng: () => asked++}));
    await r.type('p');
    expect(asked).toBe(1);
    expect(r.frame()).toMatch(/needs a terminal of 33 rows/);
    cleanup();
    const png = '/tmp/op/vps-admin.png';
    const w = await renderUi(wait(23, {png: {path: png}}));
    expect(w.frame()).toContain(`PNG written (0600: it holds your peer's private key):\n  ${png}`);
  });

  it('a view the operator left stays closed on the next wait for the same config', async () => {
    const seen: boolean[] = [];
    const r = await renderUi(wait(23, {open: false, onOpen: (o) => seen.push(o)}));
    expect(r.frame()).toMatch(/r QR code ·/);
    await r.type('r');
    expect(seen).toEqual([true]);
    await r.type('x');
    expect(seen).toEqual([true, false]);
  });

  it('the handshake seen while the view is open: the view stays, its status says the login to make', async () => {
    const steps = waiting([
      {type: 'proof.progress', id: 'verify-tunnel', what: WHAT, stage: 'handshake', message: HANDSHAKE},
    ]);
    const r = await renderUi(wait(39, undefined, steps), {rows: 40});
    expect(r.frame()).toContain(HANDSHAKE);
    expect(qrRowsIn(r.rows())).toHaveLength(qr.length);
    await r.type('x');
    expect(r.frame()).toContain(HANDSHAKE);
    expect(r.frame()).not.toMatch(/waiting for a handshake|wg-quick/);
    expect(qrRowsIn(r.rows())).toHaveLength(0);
  });

  it('a client config that could not be read: the view says so; the wait still has the path and command', async () => {
    const steps = waiting();
    const r = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={null} width={80} height={44} />,
      {rows: 45},
    );
    expect(flat(r.frame())).toMatch(/No QR code: .*vps-admin\.conf could not be read on this machine/);
    await r.type('x');
    expect(r.frame()).toContain(`sudo wg-quick up ${PATH}`);
  });

  it('fits a narrow, short terminal, in the view and in the wait', async () => {
    const steps = waiting();
    // Inside the live region's box, as App draws it.
    const r = await renderUi(
      <Box width={40} flexDirection="column">
        <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={40} height={11} />
      </Box>,
      {columns: 40, rows: 12},
    );
    const fits = () => {
      expect(r.rows().length).toBeLessThanOrEqual(11);
      for (const row of r.rows()) expect(Array.from(row).length).toBeLessThanOrEqual(40);
      expect(r.frame()).not.toMatch(/↪/);
    };
    fits();
    expect(r.frame()).toMatch(/needs a terminal/);
    await r.type('x');
    fits();
    // Too long for a row here: it was printed whole above, never cut with a glyph.
    expect(r.frame()).toMatch(/the command printed just above/);
    expect(r.frame()).toMatch(/waiting for a handshake/);
  });

  it("under an armed dead-man timer (close-ports), the time left is the timer's, and so is what follows", async () => {
    const steps = waiting([{type: 'timer.armed', id: 'verify-tunnel', seconds: 120, deadline: FIXED_NOW + 42_000}]);
    const r = await renderUi(wait(23, {open: false}, steps));
    expect(r.frame()).toMatch(/42 s left, then everything rolls back/);
    expect(r.frame()).toMatch(/waiting for a handshake from your device…/);
  });

  it('asked to stop: the view gives way to the wait and its stop banner', async () => {
    const steps = waiting();
    const r = await renderUi(
      <ApplyProgress
        steps={steps}
        step={steps[0] as StepView}
        qr={qr}
        stopping={{kind: 'finish-step', stepId: 'verify-tunnel'}}
        width={80}
        height={23}
      />,
    );
    expect(r.frame()).not.toMatch(/needs a terminal/);
    expect(r.frame()).toMatch(/■ Stopping: Verify the tunnel finishes/);
  });

  it('inside a confirmation window, a proof whose words end with its command shows the command once', async () => {
    const cmd = 'ssh -p 2222 admin@10.66.0.1';
    const what = `admin logs in through the tunnel with public SSH closed (${cmd})`;
    const events: EngineEvent[] = [
      {
        type: 'step.planned',
        step: {
          ...planned('close-ports', 'lockout', [{kind: 'proof', route: {}, what}]),
          title: 'Close the public ports',
        },
      },
      {type: 'step.start', id: 'close-ports'},
      {type: 'timer.armed', id: 'close-ports', seconds: 120, deadline: FIXED_NOW + 95_000},
      {type: 'proof.start', id: 'close-ports', what, command: cmd},
    ];
    const steps = events.reduce(runReducer, [newStep('close-ports', 'Close the public ports', 'lockout')]);
    const r = await renderUi(<ApplyProgress steps={steps} step={steps[0] as StepView} width={80} height={23} />);
    expect(r.frame()).toMatch(/proving: admin logs in through the tunnel with public SSH closed\n/);
    expect(r.frame()).toContain(`${cmd}: 95 s left, then everything rolls back`);
    const panel = r.frame().slice(r.frame().indexOf('proving:'));
    expect(panel.split(cmd).length - 1).toBe(1);
  });

  it('with --connect-tunnel the run brings the tunnel up itself: the usual proof screen', async () => {
    const steps = waiting([], true);
    const r = await renderUi(
      <ApplyProgress steps={steps} step={steps[0] as StepView} qr={qr} width={80} height={23} />,
    );
    expect(r.frame()).toMatch(/proving admin logs in through the tunnel with a fresh connection/);
    expect(r.frame()).toMatch(/the same as: ssh admin@10\.66\.0\.1/);
    // Under the action list, the command once (item 11: it was printed twice).
    const panel = r.frame().slice(r.frame().indexOf('proving admin'));
    expect(panel.split('ssh admin@10.66.0.1').length - 1).toBe(1);
    expect(r.frame()).not.toMatch(/handshake from your device|wg-quick|QR/);
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
    // What the frontend does on the engine's artifact event before the store sees it (ink-frontend.ts), then the event.
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
    // The view stays until a key, then the wait (the code printed above remains).
    expect(qrRowsIn(r.rows())).toHaveLength(2 * qr.length);
    await r.press('enter');
    expect(qrRowsIn(r.rows())).toHaveLength(qr.length);
    expect(store.getState().qrOpen[PATH]).toBe(false);
  });

  it('80x24: p writes the PNG through the frontend; its path and the qrencode command are printed whole above', async () => {
    const store = new WizardStore({
      label: 'root@192.0.2.10',
      host: '192.0.2.10',
      recipe: 'fresh-vps',
      banner: 'portcullis 0.1.0 · recipe fresh-vps · root@192.0.2.10',
      startedAt: FIXED_NOW,
      steps: [
        {id: 'verify-tunnel', title: 'Verify the tunnel', risk: 'safe'},
        {id: 'close-ports', title: 'Close the public ports', risk: 'lockout'},
      ],
    });
    const asked: string[] = [];
    const png = `${PATH.replace(/\.conf$/, '')}.png`;
    store.savePng = (path) => {
      asked.push(path);
      store.dispatch({type: 'ui.png', path, png: {path: png}});
    };
    const r = await renderUi(<App store={store} acceptAfterMs={0} />);
    store.dispatch({
      type: 'ui.connected',
      preflight: {platform: 'Debian 12', ssh: 'OpenSSH_9.2', you: 'root', firewall: 'none', listeners: [], notes: []},
    });
    store.dispatch({type: 'ui.continue'});
    store.dispatch({type: 'ui.qr', path: PATH, rows: qr});
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
    expect(r.frame()).toMatch(/needs a terminal of 33 rows/);
    // Printed whole above the view, one row each, to copy.
    expect(r.rows()).toContain(`    qrencode -t ansiutf8 -m 2 < ${PATH}`);
    await r.type('p');
    expect(asked).toEqual([PATH]);
    expect(r.rows()).toContain(`    ${png}`);
    expect(r.frame()).toContain(`PNG written (0600: it holds your peer's private key):\n  ${png}`);
    expect(qrRowsIn(r.rows())).toHaveLength(0);

    // The wait is over (proven) with the view still open: the next wait on that config (close-ports'
    // proof, the tunnel already up) starts on the wait, not on the code; r opens it.
    store.events({type: 'proof.ok', id: 'verify-tunnel', what: WHAT, ms: 900});
    store.events({type: 'step.done', id: 'verify-tunnel', changed: 0, ms: 1000});
    await settle();
    expect(store.getState().qrOpen[PATH]).toBe(false);
    const close = {
      ...planned('close-ports', 'lockout', [{kind: 'proof', route: {user: 'admin', host: '10.66.0.1'}, what: WHAT}]),
      title: 'Close the public ports',
    };
    store.events({type: 'step.planned', step: close});
    store.events({type: 'step.start', id: 'close-ports'});
    store.events({
      type: 'proof.start',
      id: 'close-ports',
      what: WHAT,
      command: 'ssh admin@10.66.0.1',
      tunnel: {confPath: PATH, localIface: 'pcw1a2b3c4d', connect: false, deadline: FIXED_NOW + 97_000},
    });
    await settle();
    expect(r.frame()).not.toMatch(/needs a terminal/);
    expect(r.frame()).toMatch(/r QR code · Ctrl-C or q/);
  });
});
