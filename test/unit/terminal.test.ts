import {describe, expect, it} from 'vitest';
import {diffsFor} from '../../src/engine/diffs.js';
import {type EngineEvent, escapedEvents} from '../../src/engine/events.js';
import {isPrintable, printable} from '../../src/util/terminal.js';

describe('text from the target on the terminal', () => {
  it('escapes every control character (C0, DEL, C1, bidirectional overrides) and keeps newlines and tabs', () => {
    expect(printable('a\u001b]0;title\u0007b\r\n\tc\u007f\u009b2J\u202eevil')).toBe(
      'a\\x1b]0;title\\x07b\\x0d\n\tc\\x7f\\x9b2J\\u202eevil',
    );
    expect(isPrintable('plain text\n\twith tabs')).toBe(true);
    expect(isPrintable('\u001b[31mred')).toBe(false);
  });

  it('a diff of a file holding escape bytes shows them as text', () => {
    const [d] = diffsFor(
      [{kind: 'file.write', path: '/home/alice/.ssh/authorized_keys', content: 'key\n', mode: 0o600}],
      {
        files: {'/home/alice/.ssh/authorized_keys': {exists: true, content: '# \u001b[2J\u001b]0;owned\u0007\n'}},
        queries: {},
      },
    );
    expect(d).toContain('-# \\x1b[2J\\x1b]0;owned\\x07');
    expect(d).not.toContain('\u001b');
  });

  it('what a UI is told about a step quotes the target escaped: output, reasons, findings', () => {
    const seen: EngineEvent[] = [];
    const sink = escapedEvents((e) => seen.push(e));
    sink({type: 'output', id: 's', line: 'ok\u001b[2Jgone'});
    sink({type: 'step.failed', id: 's', reason: 'exit 1: \u001b]0;x\u0007'});
    sink({type: 'finding', id: 's', finding: {level: 'warn', message: 'group \u009b31m'}});
    const texts = seen.map((e) =>
      e.type === 'output'
        ? e.line
        : e.type === 'step.failed'
          ? e.reason
          : e.type === 'finding'
            ? e.finding.message
            : '',
    );
    expect(texts).toEqual(['ok\\x1b[2Jgone', 'exit 1: \\x1b]0;x\\x07', 'group \\x9b31m']);
    for (const t of texts) expect(isPrintable(t)).toBe(true);
    expect(seen[0]).toEqual({type: 'output', id: 's', line: 'ok\\x1b[2Jgone'});
  });
});
