import {existsSync, mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {clientConfPath, peerKeys, retirePeer, writeClientConf} from '../../src/wg/client-store.js';

describe('client store: peer keys on the operator machine', () => {
  let home: string;
  let before: string | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'pc-state-'));
    before = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = home;
  });
  afterEach(() => {
    if (before === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = before;
    rmSync(home, {recursive: true, force: true});
  });

  it('keeps a peer key (0600) across runs, and a retired peer gets a new one', () => {
    const first = peerKeys('vps', 'alice');
    expect(peerKeys('vps', 'alice')).toEqual(first);
    const conf = writeClientConf('vps', 'alice', '[Interface]\n');
    const key = conf.replace(/\.conf$/, '.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(statSync(conf).mode & 0o777).toBe(0o600);

    expect(retirePeer('vps', 'alice').sort()).toEqual([conf, key].sort());
    expect(existsSync(conf)).toBe(false);
    expect(existsSync(key)).toBe(false);
    expect(peerKeys('vps', 'alice').privateKey).not.toBe(first.privateKey);
  });

  it('retiring touches only that peer of that server, and a peer never held is nothing to do', () => {
    peerKeys('vps', 'alice');
    peerKeys('vps', 'bob');
    peerKeys('other', 'alice');
    retirePeer('vps', 'alice');
    expect(existsSync(clientConfPath('vps', 'bob', false).replace(/\.conf$/, '.key'))).toBe(true);
    expect(existsSync(clientConfPath('other', 'alice', false).replace(/\.conf$/, '.key'))).toBe(true);
    expect(retirePeer('vps', 'carol')).toEqual([]);
  });
});
