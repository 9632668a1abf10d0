import {render} from 'ink';
import {App} from './app.js';
import {erasePreFrame} from './pre-frame.js';
import type {WizardStore} from './store.js';
import {ThemeProvider} from './theme.js';

export interface MountOptions {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  color: boolean;
  /** Rows of the plain first frame to replace. */
  preFrameRows: number;
}

/**
 * Mounts the wizard. Ink owns the terminal from here until the instance exits: nothing else may read
 * stdin or draw on the stream meanwhile (no @inquirer prompt, no listr2).
 */
export function mountWizard(store: WizardStore, o: MountOptions) {
  o.stdout.write(erasePreFrame(o.preFrameRows));
  return render(
    <ThemeProvider theme={{color: o.color}}>
      <App store={store} />
    </ThemeProvider>,
    {
      stdout: o.stdout,
      stdin: o.stdin,
      exitOnCtrlC: false,
      // Ink 6.8's incrementalRendering repeats a spinner row instead of redrawing it (seen in tmux): off.
      maxFps: 20,
    },
  );
}
