/** Turns what OpenSSH printed into what the operator needs to hear. */
export function explainSshFailure(stderr: string, where: string): string {
  const s = stderr.toLowerCase();
  if (s.includes('host key verification failed') || s.includes('no matching host key') || s.includes('host key for')) {
    return `the host key of ${where} is not known or has changed; connect once with plain ssh to check it, or pass --accept-new-host-key for a first contact`;
  }
  if (s.includes('permission denied')) return `${where} refused the login (${lastLine(stderr)})`;
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

function lastLine(s: string): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Warning: Permanently added'));
  return lines[lines.length - 1] ?? '';
}
