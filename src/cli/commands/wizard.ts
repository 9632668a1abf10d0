import {InputError} from '../../util/errors.js';
import {currentTerminal, outputMode, wantsColor} from '../frontend.js';
import type {ApplyCliOptions} from './apply.js';

/**
 * `portcullis [TARGET]`: the guided run. On a terminal it is the Ink wizard (a dumb terminal gets plain
 * lines and prompts); without a terminal there is nobody to ask, so it says what to run instead.
 * The first frame goes out before the engine, ssh and Ink are even loaded.
 */
export async function runWizard(spec: string | undefined, o: ApplyCliOptions): Promise<void> {
  const mode = outputMode(currentTerminal({...o, yes: false}));
  if (mode.kind !== 'ink' && mode.kind !== 'plain') {
    throw new InputError('the wizard needs a terminal; headless runs use `portcullis apply TARGET --yes` (see --help)');
  }
  if (!spec && !o.local)
    throw new InputError('name the server: portcullis user@host (or --local on the server itself)');
  if (mode.kind === 'plain') return (await import('./apply.js')).runApply(spec, {...o, yes: false});
  const stream = mode.stream === 'stderr' ? process.stderr : process.stdout;
  const [{writeFirstFrame, dropFirstFrame, bannerText}, {VERSION}] = await Promise.all([
    import('../../ui/pre-frame.js'),
    import('../version.js'),
  ]);
  const label = o.local || !spec ? '--local' : spec;
  const firstFrame = writeFirstFrame(stream, {
    banner: bannerText(VERSION, o.recipe ?? 'fresh-vps', label),
    label,
    color: wantsColor(stream.isTTY === true),
  });
  try {
    const {runApply} = await import('./apply.js');
    await runApply(spec, {...o, yes: false, firstFrame});
  } finally {
    // Bad input is found before Ink takes over: the frame goes, the error line replaces it.
    dropFirstFrame(stream, firstFrame);
  }
}
