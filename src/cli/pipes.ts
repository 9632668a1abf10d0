/**
 * A reader that goes away early (`portcullis --help | head -1`, `plan ... | less` quit at once) ends the
 * output, not the command: later writes to that stream are dropped, the command finishes as it would have
 * (an apply never stops half-way because its reader left) and its exit status stands (0 for help). Without
 * a listener Node turns the EPIPE into an uncaught exception with a stack trace.
 *
 * Any other write error on stdout (a full disk under `plan > file`) is one line on stderr and exit 1:
 * the output the operator asked for is incomplete.
 */
let installed = false;

export function quietBrokenPipes(): void {
  if (installed) return;
  installed = true;
  process.stderr.on('error', () => {});
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return;
    process.once('exit', (code) => {
      process.stderr.write(`portcullis: could not write the output (${err.code ?? err.message})\n`);
      if (code === 0) process.exitCode = 1;
    });
  });
}
