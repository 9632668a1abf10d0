import {RunError} from '../util/errors.js';

/**
 * ssh itself failed (exit 255). `beforeLogin`: it never got as far as a login (nothing listens, nothing
 * answers, the login was refused), so no command of ours started and another way in may take it.
 */
export class SshFailure extends RunError {
  constructor(
    message: string,
    readonly beforeLogin: boolean,
  ) {
    super(message);
    this.name = 'SshFailure';
  }
}

/** True when what ssh printed shows it stopped before any command ran (host key trouble excluded: never rerouted). */
export function failedBeforeLogin(stderr: string): boolean {
  if (/host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) return false;
  return /^ssh: connect to host .* port \d+: |connection timed out during banner exchange|kex_exchange_identification|^Permission denied \(|^Connection closed by \S+ port \d+|^Connection reset by \S+ port \d+/im.test(
    stderr,
  );
}

/** Turns what OpenSSH printed into what the operator needs to hear. */
export function explainSshFailure(stderr: string, where: string): string {
  const s = stderr.toLowerCase();
  if (s.includes('host key verification failed') || s.includes('no matching host key') || s.includes('host key for')) {
    return `the host key of ${where} is not known or has changed; connect once with plain ssh to check it, or pass --accept-new-host-key for a first contact`;
  }
  if (s.includes('permission denied')) {
    // The server would take a password, not our key: a provider's fresh VPS with a root password only. portcullis
    // logs in with keys only (BatchMode): the key goes on first, the password typed once into ssh-copy-id.
    const methods = /permission denied \(([^)]*)\)/.exec(s)?.[1]?.split(',') ?? [];
    const hint = methods.includes('password')
      ? `; if it has only a password so far, put your key on it first: ${copyIdCommand(where)} (asks for the password once), then run again`
      : '';
    return `${where} refused the login (${lastLine(stderr)})${hint}`;
  }
  if (s.includes('connection refused'))
    return `${where}: connection refused (nothing listens there, or a firewall rejects it)`;
  if (s.includes('timed out') || s.includes('no route to host') || s.includes('network is unreachable')) {
    return `${where} is unreachable from here (timed out); a provider firewall may block it`;
  }
  if (s.includes('could not resolve hostname')) return `cannot resolve the host name of ${where}`;
  if (s.includes('connection closed') || s.includes('connection reset'))
    return `${where} closed the connection (${lastLine(stderr)})`;
  return `ssh to ${where} failed: ${lastLine(stderr) || 'no message'}`;
}

/** `ssh-copy-id [-p PORT] USER@HOST` for a `USER@HOST:PORT` label. */
function copyIdCommand(where: string): string {
  const m = /^(.*):(\d+)$/.exec(where);
  if (!m) return `ssh-copy-id ${where}`;
  return m[2] === '22' ? `ssh-copy-id ${m[1]}` : `ssh-copy-id -p ${m[2]} ${m[1]}`;
}

function lastLine(s: string): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Warning: Permanently added'));
  return lines[lines.length - 1] ?? '';
}
