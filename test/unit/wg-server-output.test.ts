import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {Step} from '../../src/core/types.js';
import {LocalJournal} from '../../src/engine/journal.js';
import {applyRunbook} from '../../src/engine/runbook.js';
import {profileFacts} from '../../src/platform/profiles.js';
import {MANAGED_MARK, parseServerConf, renderClientConf} from '../../src/render/wireguard.js';
import {RunError} from '../../src/util/errors.js';
import {clientDir, knownPeerPublicKey} from '../../src/wg/client-store.js';
import {generateKeyPair} from '../../src/wg/keys.js';
import {WG_CONF, wireguard} from '../../steps/wireguard.js';
import {fakeTarget} from '../helpers/fake-target.js';
import {runValues} from '../helpers/run-values.js';

/**
 * A compromised server answers what portcullis reads back after the wireguard step: its `wg pubkey` and
 * its wg0.conf. Client configs are run by wg-quick as root on the operator's machine (PreUp, PostUp...),
 * so an answer that is not exactly what portcullis wrote there must stop the run with nothing written.
 */
const SERVER_KEY = generateKeyPair().publicKey;
const HOOK = 'PreUp = touch /tmp/pwned-by-the-server';

function serverConf(peerKey: string, o: {port?: string; address?: string; allowed?: string} = {}): string {
  return [
    `${MANAGED_MARK}. The private key lives in /etc/wireguard/wg0.key (0600) and is loaded by PostUp;`,
    '[Interface]',
    `Address = ${o.address ?? '10.66.0.1/24'}`,
    `ListenPort = ${o.port ?? '51820'}`,
    'PostUp = wg set %i private-key /etc/wireguard/wg0.key',
    '',
    '# portcullis-peer: admin',
    '[Peer]',
    `PublicKey = ${peerKey}`,
    `AllowedIPs = ${o.allowed ?? '10.66.0.2/32'}`,
    '',
  ].join('\n');
}

describe('what the server says after the wireguard step', () => {
  let home = '';
  let saved: string | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'pc-wg-output-'));
    saved = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = home;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = saved;
    rmSync(home, {recursive: true, force: true});
  });

  /** Applies the wireguard step against a fake server whose read-back answers are `pub` and `conf(peerKey)`. */
  async function apply(pub: string, conf: (peerKey: string) => string) {
    const {target} = fakeTarget({
      answer: (script) => {
        if (script.startsWith('wg pubkey <')) return {code: 0, stdout: pub, stderr: ''};
        if (script === `cat ${WG_CONF}`)
          return {code: 0, stdout: conf(knownPeerPublicKey('h', 'admin') ?? ''), stderr: ''};
        return undefined;
      },
    });
    return applyRunbook({
      target,
      // No hostname, as the fake's detection says: the peer's key is found under the same server name.
      facts: {...profileFacts('debian-12'), hostname: ''},
      steps: [wireguard as Step<unknown>],
      values: runValues({admin_user: 'admin', wg_subnet: '10.66.0.0/24'}),
      runId: 'RUN',
      journal: new LocalJournal(join(home, 'journal.jsonl')),
      events: () => {},
      confirm: async () => true,
    });
  }

  /** Every file portcullis keeps for WireGuard on this machine, and whether any holds the server's hook. */
  const written = () => {
    const d = clientDir(false);
    const files = existsSync(d) ? readdirSync(d) : [];
    return {
      confs: files.filter((f) => f.endsWith('.conf')),
      hooked: files.some((f) => readFileSync(join(d, f), 'utf8').includes('pwned')),
    };
  };

  it('a healthy answer gives a client config with the server key (the fake is faithful)', async () => {
    const r = await apply(`${SERVER_KEY}\n`, (k) => serverConf(k));
    expect(r.artifacts).toEqual([join(clientDir(false), 'h-admin.conf')]);
    const text = readFileSync(r.artifacts[0] as string, 'utf8');
    expect(text).toContain(`PublicKey = ${SERVER_KEY}\n`);
    expect(text).toContain('Endpoint = h:51820\n');
  });

  it('a `wg pubkey` answer carrying an [Interface] section with a hook is refused, nothing written', async () => {
    const err = await apply(`${SERVER_KEY}\n[Interface]\n${HOOK}\n`, (k) => serverConf(k)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RunError);
    expect((err as Error).message).toMatch(
      /^the server answered `wg pubkey` with ".*\\n\[Interface\]\\nPreUp = touch.*", which is not a WireGuard public key: no client config was written/,
    );
    expect(written()).toEqual({confs: [], hooked: false});
  });

  it.each([
    ['ListenPort', {port: `51820 ${HOOK}`}, /the server's ListenPort "51820 PreUp = .*" is not a port/],
    ['ListenPort out of range', {port: '70000'}, /the server's ListenPort "70000" is not a port/],
    [
      'AllowedIPs',
      {allowed: '10.66.0.2/32, 0.0.0.0/0'},
      /AllowedIPs of peer admin "10\.66\.0\.2\/32, 0\.0\.0\.0\/0" is not/,
    ],
    ['Address', {address: `10.66.0.1/24 ${HOOK}`}, /the server's Address "10\.66\.0\.1\/24 PreUp.*" is not an IPv4/],
  ])('a wg0.conf with a hostile %s is refused, nothing written', async (_what, o, message) => {
    const err = await apply(`${SERVER_KEY}\n`, (k) => serverConf(k, o)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RunError);
    expect((err as Error).message).toMatch(message);
    expect(written()).toEqual({confs: [], hooked: false});
  });

  it('peer names, keys and escape bytes from the server are checked and never shown raw', () => {
    expect(() => parseServerConf(`${serverConf(SERVER_KEY)}\n# portcullis-peer: x\u001b[2J\n`)).toThrow(
      /peer name "x\\u001b\[2J" is not a peer name/,
    );
    expect(() => parseServerConf(serverConf('not-a-key'))).toThrow(/public key of peer admin "not-a-key"/);
  });

  it('a client config takes exactly one value per field, whoever calls it', () => {
    const ok = {
      privateKey: generateKeyPair().privateKey,
      address: '10.66.0.2',
      serverPublicKey: SERVER_KEY,
      endpoint: '[2001:db8::10]:51820',
      allowedIps: '10.66.0.0/24',
    };
    expect(renderClientConf(ok)).toContain('Endpoint = [2001:db8::10]:51820\n');
    for (const bad of [
      {serverPublicKey: `${SERVER_KEY}\n${HOOK}`},
      {endpoint: `vps:51820\n${HOOK}`},
      {endpoint: 'vps:0'},
      {allowedIps: `10.66.0.0/24\n${HOOK}`},
      {address: '10.66.0.2/32'},
      {dns: `1.1.1.1\n${HOOK}`},
    ])
      expect(() => renderClientConf({...ok, ...bad})).toThrow(/no client config was written/);
  });
});
