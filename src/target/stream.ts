import type {Readable} from 'node:stream';

/** Feeds complete lines of a child's stdout and stderr to `onLine`, without holding more than one partial line. */
export function streamLines(
  child: {stdout: Readable | null; stderr: Readable | null},
  onLine: (line: string) => void,
): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) onLine(p);
    });
    stream?.on('end', () => {
      if (partial) onLine(partial);
    });
  }
}
