/**
 * The wizard's first frame, written with plain escape codes before Ink is loaded (importing Ink, React
 * and the engine takes a few hundred ms; the operator sees where we connect at once). Ink's own first
 * frame shows the same text and replaces this one in place: `erasePreFrame` moves back over it first.
 */
export function preFrame(o: {banner: string; label: string; columns: number; color: boolean}): {
  text: string;
  rows: number;
} {
  const w = Math.max(20, o.columns);
  const clip = (s: string) => (s.length <= w ? s : `${s.slice(0, w - 1)}…`);
  const style = (code: string, s: string) => (o.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const lines = [
    style('1', clip(o.banner)),
    style('1', clip(`◌ connecting to ${o.label}`)),
    style('2', clip('  reading your ssh configuration')),
    style('2', clip('Ctrl-C quit (nothing has changed)')),
  ];
  // Cursor hidden, as Ink keeps it while it owns the screen.
  return {text: `\u001b[?25l${lines.join('\n')}\n`, rows: lines.length};
}

/**
 * Clears the `rows` rows written by preFrame line by line, bottom up, leaving the cursor where they began
 * (as Ink's own redraw does; a clear-to-end-of-screen would push them into tmux's scrollback).
 */
export function erasePreFrame(rows: number): string {
  if (rows <= 0) return '';
  return `\u001b[2K${'\u001b[1A\u001b[2K'.repeat(rows)}\u001b[G`;
}

/** A first frame already on screen, handed to whoever draws next; `taken` once Ink has replaced it. */
export interface FirstFrame {
  rows: number;
  taken: boolean;
}

export function bannerText(version: string, recipe: string, label: string): string {
  return `portcullis ${version} · recipe ${recipe} · ${label}`;
}

/** Writes the first frame now; if nothing takes it over (bad input), `dropFirstFrame` removes it again. */
export function writeFirstFrame(
  stream: NodeJS.WriteStream,
  o: {banner: string; label: string; color: boolean},
): FirstFrame {
  const f = preFrame({...o, columns: stream.columns ?? 80});
  stream.write(f.text);
  return {rows: f.rows, taken: false};
}

export function dropFirstFrame(stream: NodeJS.WriteStream, f: FirstFrame | undefined): void {
  if (f && !f.taken) {
    stream.write(`${erasePreFrame(f.rows)}\u001b[?25h`);
    f.taken = true;
  }
}
