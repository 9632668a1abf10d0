import {readFileSync} from 'node:fs';
import {WG_CONF, WG_IFACE, wireguard} from '../../../steps/wireguard.js';
import type {Step} from '../../core/types.js';
import {type GivenValues, resolveValues} from '../../core/values.js';
import {LocalJournal, localJournalPath} from '../../engine/journal.js';
import {HANDSHAKES_MARK, splitHandshakes} from '../../engine/protocol.js';
import {applyRunbook} from '../../engine/runbook.js';
import {lineReporter} from '../../headless/line-reporter.js';
import {detectFacts} from '../../platform/detect.js';
import {printJson} from '../../present/json.js';
import {makeStyle} from '../../present/plan-text.js';
import {setValues} from '../../recipes/load.js';
import {parseServerConf} from '../../render/wireguard.js';
import {InputError} from '../../util/errors.js';
import {safeName} from '../../util/validate.js';
import {clientConfPath, serverName} from '../../wg/client-store.js';
import {terminalQr} from '../../wg/qr.js';
import {type ConnectOptions, openTarget} from '../connect.js';
import {newRunId} from '../run-setup.js';

type PeerOptions = ConnectOptions & {json?: boolean};

/** Adding or removing a peer is the wireguard step with a different peer set: journaled, rolled back on failure, applied with wg syncconf so connected tunnels stay up. */
async function changePeers(spec: string | undefined, o: PeerOptions, given: GivenValues) {
  const target = await openTarget(spec, o);
  const st = makeStyle(Boolean(process.stderr.isTTY) && !process.env.NO_COLOR);
  try {
    const facts = await detectFacts(target);
    const current = await target.run(`cat ${WG_CONF} 2>/dev/null`);
    if (!parseServerConf(current.stdout))
      throw new InputError(
        `${target.label} has no WireGuard server set up by portcullis yet; apply the wireguard step first`,
      );
    const journal = new LocalJournal(localJournalPath(target.label));
    return {
      target,
      facts,
      result: await applyRunbook({
        target,
        facts,
        steps: [wireguard as Step<unknown>],
        values: resolveValues(given),
        // The operator's own peer is neither added nor touched: only the named one changes.
        settings: {ownPeer: false},
        runId: newRunId(),
        journal,
        events: o.json ? () => {} : lineReporter(st),
        confirm: async () => true,
      }),
    };
  } finally {
    await target.close();
  }
}

export async function peersAdd(
  name: string,
  spec: string | undefined,
  o: PeerOptions & {set?: string[]},
): Promise<void> {
  safeName(name, 'peer name');
  const sets = setValues(o.set ?? []);
  const other = Object.keys(sets).filter((k) => k !== 'wg_endpoint');
  if (other.length) throw new InputError(`peers add: --set takes only wg_endpoint, not ${other.join(', ')}`);
  const {target, result, facts} = await changePeers(spec, o, {...sets, peers: [name]});
  const conf = clientConfPath(serverName(facts.hostname, target.host), name);
  if (o.json) {
    printJson('peers add', {peer: name, target: target.label, changed: result.changed, clientConfig: conf});
    return;
  }
  process.stdout.write(
    `peer ${name}: client config ${conf}\n${await terminalQr(readFileSync(conf, 'utf8'), qrColor())}`,
  );
}

export async function peersRemove(name: string, spec: string | undefined, o: PeerOptions): Promise<void> {
  safeName(name, 'peer name');
  const {target, result} = await changePeers(spec, o, {peers_remove: [name]});
  if (o.json) printJson('peers remove', {peer: name, target: target.label, removed: true, changed: result.changed});
  else
    process.stdout.write(
      `peer ${name} removed from ${target.label} (${result.changed} change(s)); its tunnel no longer works, and its key and client config on this machine are deleted\n`,
    );
}

export async function peersList(spec: string | undefined, o: PeerOptions): Promise<void> {
  const target = await openTarget(spec, o);
  try {
    const r = await target.run(
      `cat ${WG_CONF} 2>/dev/null; echo '${HANDSHAKES_MARK}'; wg show ${WG_IFACE} latest-handshakes 2>/dev/null; exit 0`,
    );
    const [conf, hs] = splitHandshakes(r.stdout);
    const parsed = parseServerConf(conf);
    if (!parsed) throw new InputError(`${target.label} has no WireGuard server set up by portcullis`);
    const seen = new Map(hs.split('\n').map((l) => l.split('\t') as [string, string]));
    const rows = parsed.peers.map((p) => ({
      name: p.name,
      address: p.address,
      publicKey: p.publicKey,
      lastHandshake: Number(seen.get(p.publicKey) ?? 0),
    }));
    if (o.json) {
      printJson('peers list', {target: target.label, peers: rows});
      return;
    }
    for (const p of rows) {
      const ago = p.lastHandshake ? `${Math.round(Date.now() / 1000 - p.lastHandshake)} s ago` : 'never';
      process.stdout.write(`${p.name.padEnd(20)} ${p.address.padEnd(16)} handshake ${ago}\n`);
    }
  } finally {
    await target.close();
  }
}

export async function peersShow(name: string, spec: string | undefined, o: PeerOptions): Promise<void> {
  safeName(name, 'peer name');
  const target = await openTarget(spec, o);
  let conf: string;
  try {
    conf = clientConfPath(serverName((await detectFacts(target)).hostname, target.host), name, false);
  } finally {
    await target.close();
  }
  let text: string;
  try {
    text = readFileSync(conf, 'utf8');
  } catch {
    throw new InputError(
      `no client config for ${name} on this machine (${conf}); it exists only where the peer was added`,
    );
  }
  if (o.json) {
    printJson('peers show', {peer: name, clientConfig: conf});
    return;
  }
  process.stdout.write(`# ${conf}\n${text}\n${await terminalQr(text, qrColor())}`);
}

/** Black on white where stdout is a colour terminal; otherwise the light modules drawn in the text colour. */
function qrColor(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}
