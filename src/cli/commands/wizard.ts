import {InputError} from '../../util/errors.js';
import {type ApplyCliOptions, runApply} from './apply.js';

/**
 * `portcullis [TARGET]`: the guided run. On a terminal each step shows its plan and asks for consent
 * in proportion to its risk; without a terminal there is nobody to ask, so it says what to run instead.
 */
export async function runWizard(spec: string | undefined, o: ApplyCliOptions): Promise<void> {
  if (!process.stdin.isTTY || !process.stderr.isTTY || process.env.CI) {
    throw new InputError('the wizard needs a terminal; headless runs use `portcullis apply TARGET --yes` (see --help)');
  }
  if (!spec && !o.local)
    throw new InputError('name the server: portcullis user@host (or --local on the server itself)');
  await runApply(spec, {...o, yes: false});
}
