/** How a line of text is shown; theme.ts maps tones to colours (or to nothing under NO_COLOR). */
export type Tone = 'plain' | 'dim' | 'bold' | 'add' | 'del' | 'hunk' | 'cmd' | 'warn' | 'error' | 'ok' | 'accent';

/** One terminal row: already wrapped to the width, so a viewport can count rows by counting lines. */
export interface Line {
  text: string;
  tone: Tone;
  /**
   * Set on rows of a labelled block: the row is drawn after a label column (review-lines LABEL wide);
   * the label text appears on the block's first row, '' on the rows that continue it.
   */
  label?: string;
  /**
   * A command or path to copy: printed whole on one row, longer than the terminal if it must be (the
   * terminal wraps it softly, so a copy or a triple-click gets it in one piece). Only in the static log:
   * the live region is redrawn by counting rows, and a soft-wrapped row would throw that count off.
   */
  nowrap?: boolean;
}

const chars = (s: string) => Array.from(s);

/** Breaks text into rows of at most `width` characters, at spaces where possible. Never returns []. */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(8, width);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let rest = chars(para);
    if (rest.length === 0) out.push('');
    while (rest.length > 0) {
      if (rest.length <= w) {
        out.push(rest.join(''));
        break;
      }
      let cut = rest.lastIndexOf(' ', w);
      if (cut < w / 3) cut = w;
      out.push(rest.slice(0, cut).join('').trimEnd());
      rest = rest.slice(cut);
      while (rest[0] === ' ') rest = rest.slice(1);
    }
  }
  return out;
}

/** Wraps a block under an indent; rows after the first are indented `hang` more (a list item's text). */
export function block(text: string, tone: Tone, width: number, indent: number, label?: string, hang = 0): Line[] {
  const pad = ' '.repeat(indent);
  const first = wrapText(text, width - indent);
  const rows =
    first.length <= 1 || hang === 0
      ? first
      : [first[0] ?? '', ...wrapText(first.slice(1).join(' '), width - indent - hang)];
  return rows.map((t, i) => ({
    text: (i === 0 ? pad : pad + ' '.repeat(hang)) + t,
    tone,
    label: label === undefined ? undefined : i === 0 ? label : '',
  }));
}

/** Code rows (commands, diffs) are cut hard, not at spaces: every character stays visible. */
export function codeBlock(text: string, tone: Tone, width: number, indent: number): Line[] {
  const pad = ' '.repeat(indent);
  const w = Math.max(8, width - indent);
  const out: Line[] = [];
  for (const line of text.split('\n')) {
    const cs = chars(line);
    if (cs.length === 0) out.push({text: pad, tone});
    for (let i = 0; i < cs.length; i += i === 0 ? w : w - 2) {
      const piece = i === 0 ? cs.slice(0, w).join('') : `↪ ${cs.slice(i, i + w - 2).join('')}`;
      out.push({text: pad + piece, tone});
    }
  }
  return out;
}

export function clip(text: string, width: number): string {
  const cs = chars(text);
  return cs.length <= width ? text : `${cs.slice(0, Math.max(0, width - 1)).join('')}…`;
}
