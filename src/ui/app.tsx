import {Spinner} from '@inkjs/ui';
import {Box, Static, useApp} from 'ink';
import {useEffect, useSyncExternalStore} from 'react';
import {assertNever} from '../util/errors.js';
import {ApplyProgress} from './components/apply-progress.js';
import {ConnectingScreen} from './components/connecting-screen.js';
import {KeyLegend} from './components/key-legend.js';
import {LogItem} from './components/log-item.js';
import {PreflightScreen} from './components/preflight-screen.js';
import {QuestionScreen} from './components/question-screen.js';
import {SecretPrompt} from './components/secret-prompt.js';
import {StepReview} from './components/step-review.js';
import {useGlobalKeys} from './hooks/use-global-keys.js';
import {clip} from './model/lines.js';
import {stepInFlight} from './state/stop-plan.js';
import type {WizardState} from './state/types.js';
import type {WizardStore} from './store.js';
import {useTerminalSize} from './terminal-size.js';
import {T} from './theme.js';

interface LiveProps {
  state: WizardState;
  store: WizardStore;
  width: number;
  height: number;
  acceptAfterMs?: number;
}

function Live({state, store, width, height, acceptAfterMs}: LiveProps) {
  if (state.ask?.kind === 'secret')
    return <SecretPrompt message={state.ask.message} width={width} onAnswer={store.answerSecret} />;
  switch (state.phase) {
    case 'connecting':
      return (
        <ConnectingScreen label={state.target.label} note={state.connectNote} since={state.startedAt} width={width} />
      );
    case 'preflight':
      return state.preflight ? (
        <PreflightScreen
          host={state.target.host}
          info={state.preflight}
          steps={state.steps}
          findings={state.held.flatMap((id) => state.steps.find((s) => s.id === id)?.findings ?? [])}
          width={width}
          height={height}
          onContinue={(go) => (go ? store.continueRun(true) : store.requestStop())}
        />
      ) : null;
    case 'run': {
      const ask = state.ask;
      const needing = ask?.kind === 'question' ? state.steps.find((s) => s.id === ask.stepId) : undefined;
      if (ask?.kind === 'question' && needing)
        return (
          <QuestionScreen
            key={ask.question.key}
            steps={state.steps}
            step={needing}
            question={ask.question}
            width={width}
            onAnswer={store.answerQuestion}
          />
        );
      const asked = ask?.kind === 'consent' ? state.steps.find((s) => s.id === ask.stepId) : undefined;
      if (asked)
        return (
          <StepReview
            key={asked.id}
            steps={state.steps}
            step={asked}
            host={state.target.host}
            width={width}
            height={height}
            acceptAfterMs={acceptAfterMs}
            onAnswer={store.answerConsent}
            onEdit={store.editValue}
          />
        );
      const flying = stepInFlight(state);
      if (flying) {
        const confPath = flying.proofs.at(-1)?.tunnel?.confPath;
        return (
          <ApplyProgress
            steps={state.steps}
            step={flying}
            stopping={state.stopping}
            qr={confPath === undefined ? undefined : state.qr[confPath]}
            qrView={
              confPath === undefined
                ? undefined
                : {
                    open: state.qrOpen[confPath] ?? true,
                    onOpen: (open) => store.dispatch({type: 'ui.qr-view', path: confPath, open}),
                    png: state.png[confPath],
                    onPng: store.savePng ? () => store.savePng?.(confPath) : undefined,
                  }
            }
            width={width}
            height={height}
          />
        );
      }
      const next = state.steps.find((s) => s.status === 'planning');
      return (
        <Box flexDirection="column">
          <Box height={1} gap={1}>
            <Spinner />
            <T>
              {clip(next ? `planning ${next.title}: reading what it needs from the target` : 'finishing', width - 2)}
            </T>
          </Box>
          <KeyLegend hints={[{keys: 'Ctrl-C or q', does: 'stop (nothing is changing now)'}]} width={width} />
        </Box>
      );
    }
    case 'finished':
      return null;
    default:
      return assertNever(state.phase, 'phase');
  }
}

/**
 * The wizard: finished work printed once in <Static>, one live region below it that always stays
 * shorter than the terminal (so Ink never clears the screen), and Ctrl-C handled on every screen.
 */
export function App({store, acceptAfterMs}: {store: WizardStore; acceptAfterMs?: number}) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const {columns, rows} = useTerminalSize();
  const {exit} = useApp();
  useGlobalKeys({running: state.phase === 'run' && !state.ask, onStop: store.requestStop});
  useEffect(() => {
    if (state.phase !== 'finished') return;
    // Not in this tick: <Static> re-renders once more to mark its last item printed, and an exit before
    // that lets Ink's final frame print the finish block a second time.
    const t = setTimeout(exit, 0);
    return () => clearTimeout(t);
  }, [state.phase, exit]);
  return (
    <>
      <Static items={state.log}>{(item) => <LogItem key={item.key} item={item} width={columns} />}</Static>
      <Box flexDirection="column" width={columns}>
        <Live state={state} store={store} width={columns} height={rows - 1} acceptAfterMs={acceptAfterMs} />
      </Box>
    </>
  );
}
