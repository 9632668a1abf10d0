import {afterEach, describe, expect, it} from 'vitest';
import type {HostResult} from '../../../src/fleet/result.js';
import {FleetApp} from '../../../src/ui/fleet/fleet-app.js';
import {initialFleetState} from '../../../src/ui/fleet/fleet-state.js';
import {FleetStore} from '../../../src/ui/fleet/fleet-store.js';
import {cleanup, renderUi, settle} from '../../helpers/render.js';

const PLAN_A = [
  'portcullis plan: recipe fresh-vps: Debian GNU/Linux 12, systemd, ufw',
  '~ SSH hardening (can cut access)',
  '  write /etc/ssh/sshd_config.d/00-portcullis.conf',
  '+Port 2222',
].join('\n');
const PLAN_B = `${PLAN_A}\n+PasswordAuthentication no`;

function fleet(batches = [['vps1'], ['vps2', 'vps3', 'vps4'], ['vps5']]) {
  return new FleetStore(
    initialFleetState({recipe: 'fresh-vps', inventory: 'hosts.ini', batches, forks: 5, maxFailPercent: 0}),
  );
}

const applied = (host: string, batch: number): HostResult => ({
  host,
  batch,
  result: 'applied',
  changed: 3,
  ms: 4200,
  steps: [],
  exposure: {before: ['22/tcp', '8080/tcp'], after: ['2222/tcp', '8080/tcp']},
});

afterEach(cleanup);

describe('the fleet wizard at 80x24', () => {
  it('reviews identical plans once, under every host they are for, with the hosts nobody answered for', async () => {
    const store = fleet();
    const ui = await renderUi(<FleetApp store={store} />);
    expect(ui.frame()).toMatch(/planning 0\/5 host\(s\): read only, nothing changes/);
    store.dispatch({type: 'planned'});
    await settle();
    expect(ui.frame()).toMatch(/planning 1\/5 host\(s\)/);
    const answer = store.ask({
      type: 'review',
      groups: [
        {hosts: ['vps1', 'vps2', 'vps3'], text: PLAN_A},
        {hosts: ['vps5'], text: PLAN_B},
      ],
      notPlanned: [{host: 'vps4', status: 'unreachable', reason: 'root@192.0.2.99:22: no route to host'}],
    });
    await settle();
    const rows = ui.rows();
    expect(rows.length).toBeLessThanOrEqual(23);
    expect(rows[0]).toBe('fleet review · fresh-vps on 5 host(s) · 2 distinct plan(s) · hosts.ini');
    expect(rows[1]).toBe('canary vps1, then batches of 3, 1 · forks 5 · stop if over 0% of a batch fails');
    expect(rows.filter((r) => r.includes('+Port 2222'))).toHaveLength(2);
    expect(rows).toContain('▸ vps1, vps2, vps3 (3 hosts, one plan)');
    expect(rows).toContain('▸ vps5 (1 host)');
    expect(rows).toContain('✘ vps4: unreachable: root@192.0.2.99:22: no route to host');
    expect(ui.frame()).toMatch(/Type vps1 \+ Enter to run the canary/);

    // A reflex Enter, or the wrong word, runs nothing.
    await ui.press('enter');
    expect(ui.frame()).toMatch(/✘ type vps1 exactly, or Esc/);
    await ui.paste('vps1\r');
    expect(await answer).toBe(true);
  });

  it('shows the canary result and asks before the rollout; Esc stops there', async () => {
    const store = fleet();
    const ui = await renderUi(<FleetApp store={store} />);
    store.dispatch({type: 'batch', n: 1});
    await settle();
    expect(ui.frame()).toMatch(/batch 1\/3 \(canary\): 1 host\(s\) in flight: vps1/);
    expect(ui.frame()).toMatch(/Ctrl-C stop before the next batch/);
    store.dispatch({type: 'line', text: 'vps1  ✔ SSH hardening: 3 change(s) in 4.1 s, proven'});
    store.dispatch({type: 'host', result: applied('vps1', 1)});
    const answer = store.ask({type: 'ask-rollout'});
    await settle();
    const f = ui.frame();
    expect(f).toMatch(/^vps1 {2}✔ SSH hardening: 3 change\(s\) in 4\.1 s, proven$/m);
    expect(f).toMatch(/The canary \(batch 1 of 3\) ended:/);
    expect(f).toMatch(/^ {2}vps1 applied: 3 change\(s\), 4\.2 s; 22\/tcp 8080\/tcp -> 2222\/tcp 8080\/tcp$/m);
    expect(f).toMatch(/Next: 4 host\(s\) in 2 batch\(es\) of 3, 1, 5 at a time\./);
    expect(f).toMatch(/Type 4 \+ Enter to roll out to 4 host\(s\) · Esc: stop, the canary stays$/m);
    await ui.press('escape');
    expect(await answer).toBe(false);
  });

  it('the typed count rolls out; Ctrl-C while hosts run stops before the next batch, then after the step in flight', async () => {
    const store = fleet();
    const ui = await renderUi(<FleetApp store={store} />);
    store.dispatch({type: 'host', result: applied('vps1', 1)});
    const answer = store.ask({type: 'ask-rollout'});
    await settle();
    await ui.type('4');
    await ui.press('enter');
    expect(await answer).toBe(true);
    store.dispatch({type: 'rollout'});
    store.dispatch({type: 'batch', n: 2});
    await settle();
    expect(ui.frame()).toMatch(/batch 2\/3: 3 host\(s\) in flight: vps2, vps3, vps4/);
    await ui.press('ctrlC');
    expect(store.stopRun.signal.aborted).toBe(true);
    expect(store.stopHosts.signal.aborted).toBe(false);
    expect(ui.frame()).toMatch(/stopping: no further batch starts; hosts in flight finish/);
    await ui.press('ctrlC');
    expect(store.stopHosts.signal.aborted).toBe(true);
    expect(ui.frame()).toMatch(/stopping: hosts in flight stop after their step in flight/);
  });

  it('Ctrl-C at a question answers it no, and changes nothing else', async () => {
    const store = fleet();
    const ui = await renderUi(<FleetApp store={store} />);
    const answer = store.ask({type: 'review', groups: [{hosts: ['vps1'], text: PLAN_A}], notPlanned: []});
    await settle();
    await ui.press('ctrlC');
    expect(await answer).toBe(false);
    expect(store.stopRun.signal.aborted).toBe(false);
  });

  it('a canary batch too large for the screen shows the rows that fit and says how many more', async () => {
    const names = Array.from({length: 20}, (_, i) => `web${i + 1}`);
    const store = fleet([names, ['web21']]);
    const ui = await renderUi(<FleetApp store={store} />);
    for (const [i, h] of names.entries())
      store.dispatch({type: 'host', result: {...applied(h, 1), reason: i % 2 ? 'x' : undefined}});
    const answer = store.ask({type: 'ask-rollout'});
    await settle();
    const rows = ui.rows();
    expect(rows.length).toBeLessThanOrEqual(23);
    expect(ui.frame()).toMatch(/… \d+ more row\(s\): each host's lines are above/);
    expect(ui.frame()).toMatch(/Type 1 \+ Enter to roll out to 1 host\(s\)/);
    await ui.press('escape');
    expect(await answer).toBe(false);
  });
});
