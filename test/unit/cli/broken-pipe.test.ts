import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/portcullis.js', import.meta.url));
// admin_sudo: a fresh VPS has no admin yet, and without it the admin-user step is refused (the plan exits 1).
const PLAN = [
  'plan',
  '--platform',
  'debian-12',
  '--set',
  'admin_user=admin',
  '--set',
  'admin_sudo=nopasswd',
  '--set',
  'ssh_port=2222',
];

/** Runs `portcullis ARGS | READER` in a real bash with pipefail: the status is portcullis' unless the reader failed. */
function pipeline(reader: string, args: readonly string[]) {
  const script = `set -o pipefail; node "$0" "$@" | ${reader}`;
  return spawnSync('bash', ['-c', script, BIN, ...args], {encoding: 'utf8', timeout: 30_000});
}

/**
 * The reader closes its end before portcullis writes a byte (portcullis starts only once the reader said so
 * through a fifo), so every write meets a closed pipe: the EPIPE case without any race.
 */
function closedBeforeWrite(args: readonly string[]) {
  const script = `set -o pipefail
    fifo=$(mktemp -u); mkfifo "$fifo"; trap 'rm -f "$fifo"' EXIT
    { read -r _ < "$fifo"; node "$0" "$@"; } | { exec 0<&-; echo closed > "$fifo"; }`;
  return spawnSync('bash', ['-c', script, BIN, ...args], {encoding: 'utf8', timeout: 30_000});
}

describe('a reader that closes early: portcullis exits quietly', () => {
  it('`--help | head -1` prints the first line, exits 0, nothing on stderr', () => {
    const r = pipeline('head -1', ['--help']);
    expect(r.stdout).toBe('Usage: portcullis [options] [command] [target]\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('`--help` into a pipe closed before the first write: exit 0, no stack trace', () => {
    const r = closedBeforeWrite(['--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it("each command's --help into a closed pipe: exit 0, nothing on stderr", () => {
    for (const cmd of [['plan'], ['apply'], ['peers', 'add'], ['recipes', 'show'], ['completion']]) {
      const r = closedBeforeWrite([...cmd, '--help']);
      expect({cmd, stderr: r.stderr, status: r.status}).toEqual({cmd, stderr: '', status: 0});
    }
  });

  it('`plan | head -1` prints the header line and exits 0 without a stack trace', () => {
    const r = pipeline('head -1', PLAN);
    expect(r.stdout).toMatch(/^portcullis plan: recipe fresh-vps for a fresh Debian/);
    expect(r.stdout.split('\n')).toHaveLength(2);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a plan (text and --json) into a pipe closed before the first write: exit 0, nothing on stderr', () => {
    for (const extra of [[], ['--json'], ['--format', 'sh']]) {
      const r = closedBeforeWrite([...PLAN, ...extra]);
      expect({extra, stderr: r.stderr, status: r.status}).toEqual({extra, stderr: '', status: 0});
    }
  });

  it('an error line into a closed stderr keeps its exit code (2: bad input), with nothing else', () => {
    const script = `node "$0" plan --platform nowhere 2>&1 >/dev/null | { exec 0<&-; }; echo "status \${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', script, BIN], {encoding: 'utf8', timeout: 30_000});
    expect(r.stdout).toBe('status 2\n');
    expect(r.stderr).toBe('');
  });

  it('a stdout that cannot be written (a full disk) is one line and exit 1, not a stack trace', () => {
    const r = spawnSync('bash', ['-c', 'node "$0" "$@" > /dev/full', BIN, ...PLAN], {encoding: 'utf8'});
    expect(r.stderr).toBe('portcullis: could not write the output (ENOSPC)\n');
    expect(r.status).toBe(1);
  });
});
