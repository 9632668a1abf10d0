import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {runOk} from './run.js';

export interface OperatorKeys {
  /** Private key, mode 0600. */
  keyPath: string;
  pubKeyPath: string;
  knownHostsPath: string;
  /** For `ssh -F`: key, known_hosts in the instance dir, accept-new, BatchMode, ConnectTimeout 5. */
  sshConfigPath: string;
}

/**
 * A fresh ed25519 operator keypair in <home>/.ssh, plus an ssh_config that never touches the
 * host's own ~/.ssh (ssh reads the passwd home, not $HOME, so -F is what isolates it).
 * BatchMode is on: password logins need `-o BatchMode=no` on the command line (first value wins).
 */
export async function createOperatorKeys(home: string): Promise<OperatorKeys> {
  const dir = join(home, '.ssh');
  mkdirSync(dir, {recursive: true, mode: 0o700});
  const keyPath = join(dir, 'id_ed25519');
  await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'operator@portcullis-sandbox', '-f', keyPath]);
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, '', {mode: 0o600});
  const sshConfigPath = join(dir, 'config');
  writeFileSync(
    sshConfigPath,
    [
      'Host *',
      `  IdentityFile ${keyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHostsPath}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking accept-new',
      '  BatchMode yes',
      '  ConnectTimeout 5',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
    {mode: 0o600},
  );
  return {keyPath, pubKeyPath: `${keyPath}.pub`, knownHostsPath, sshConfigPath};
}
