import {render} from 'ink';
import {ThemeProvider} from '../theme.js';
import {FleetApp} from './fleet-app.js';
import type {FleetStore} from './fleet-store.js';

/** Mounts the fleet wizard. Ink owns the terminal until the store reaches `finished` and the app exits. */
export function mountFleetWizard(
  store: FleetStore,
  o: {stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream; color: boolean},
) {
  return render(
    <ThemeProvider theme={{color: o.color}}>
      <FleetApp store={store} />
    </ThemeProvider>,
    {stdout: o.stdout, stdin: o.stdin, exitOnCtrlC: false, maxFps: 20},
  );
}
