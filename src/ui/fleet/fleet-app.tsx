import {Spinner} from '@inkjs/ui';
import {Box, Static, Text, useApp, useInput} from 'ink';
import {type ReactNode, useEffect, useMemo, useReducer, useSyncExternalStore} from 'react';
import {KeyLegend} from '../components/key-legend.js';
import {LinesView} from '../components/lines-view.js';
import {ScrollView} from '../components/scroll-view.js';
import {isCtrlC, scrollKey, typedKeys} from '../hooks/keys.js';
import {useField} from '../hooks/use-field.js';
import {clip} from '../model/lines.js';
import {scrollReducer} from '../state/scroll.js';
import type {FieldState} from '../state/text-field.js';
import {useTerminalSize} from '../terminal-size.js';
import {T} from '../theme.js';
import {canaryLines, fleetHeader, fleetReviewLines} from './fleet-lines.js';
import {type FleetUiState, rolloutOf} from './fleet-state.js';
import type {FleetStore} from './fleet-store.js';

/**
 * A typed confirmation: `word` + Enter says yes, Esc says no. Ctrl-C is the store's (a question is
 * answered no). Changes that can cut access on many hosts are never started by a reflex Enter.
 */
function useTyped(
  word: string,
  onAnswer: (ok: boolean) => void,
  onStop: () => void,
  onScroll?: (k: ReturnType<typeof scrollKey>) => void,
) {
  const {field, edit, current} = useField();
  useInput((input, key) => {
    if (isCtrlC(input, key)) return onStop();
    if (key.escape) return onAnswer(false);
    const sk = scrollKey(key);
    if (sk) return onScroll?.(sk);
    for (const t of typedKeys(input, key)) {
      if (t.kind === 'text') edit({type: 'insert', text: t.text});
      else if (t.kind === 'delete') edit({type: 'delete-left'});
      else if (current().value.trim() === word) return onAnswer(true);
      else {
        edit({type: 'clear'});
        edit({type: 'error', message: `type ${word} exactly, or Esc`});
      }
    }
  });
  return field;
}

/** The question and the field typed into, two rows; a wrong word shows why until the next key. */
function TypedPrompt({field, width, prompt}: {field: FieldState; width: number; prompt: string}) {
  return (
    <Box flexDirection="column">
      <Box height={1}>
        <T tone={field.error ? 'error' : 'warn'}>{clip(field.error ? `✘ ${field.error}` : prompt, width)}</T>
      </Box>
      <Box height={1}>
        <T tone="bold">{clip(`› ${field.value}█`, width)}</T>
      </Box>
    </Box>
  );
}

/** What every screen of the fleet wizard gets. */
interface ScreenProps {
  state: FleetUiState;
  store: FleetStore;
  width: number;
  height: number;
}

function Review({state, store, width, height}: ScreenProps) {
  const lines = useMemo(() => fleetReviewLines(state, width), [state, width]);
  const view = Math.max(3, height - 6);
  const [scroll, move] = useReducer(
    (s: {offset: number}, a: NonNullable<ReturnType<typeof scrollKey>>) => scrollReducer(s, a, lines.length, view),
    {offset: 0},
  );
  const canary = state.batches[0]?.[0] ?? '';
  const field = useTyped(canary, store.answer, store.stop, (k) => k && move(k));
  const [h1, h2] = fleetHeader(state);
  return (
    <Box flexDirection="column">
      <T tone="bold">{clip(h1, width)}</T>
      <T tone="dim">{clip(h2, width)}</T>
      <ScrollView lines={lines} offset={scroll.offset} height={view} width={width} />
      <TypedPrompt
        field={field}
        width={width}
        prompt={`Type ${canary} + Enter to run the canary (each host under its own dead-man timer) · Esc: quit`}
      />
      <KeyLegend
        hints={[
          {keys: '↑↓ PgUp/PgDn', does: 'scroll'},
          {keys: 'Esc or Ctrl-C', does: 'quit, nothing changes'},
        ]}
        width={width}
      />
    </Box>
  );
}

function AskRollout({state, store, width, height}: ScreenProps) {
  const {hosts, sizes} = rolloutOf(state);
  const word = String(hosts);
  const field = useTyped(word, store.answer, store.stop);
  // A large canary batch: the rows that fit, and how many more (every host's lines are above).
  const all = canaryLines(state, width);
  const room = Math.max(1, height - 5);
  const shown = all.length <= room ? all : all.slice(0, room - 1);
  return (
    <Box flexDirection="column">
      <T tone="bold">{clip(`The canary (batch 1 of ${state.batches.length}) ended:`, width)}</T>
      <LinesView lines={shown} />
      {shown.length < all.length ? (
        <T tone="dim">{clip(`… ${all.length - shown.length} more row(s): each host's lines are above`, width)}</T>
      ) : null}
      <T>
        {clip(
          `Next: ${hosts} host(s) in ${sizes.length} batch(es) of ${sizes.join(', ')}, ${state.forks} at a time.`,
          width,
        )}
      </T>
      <TypedPrompt
        field={field}
        width={width}
        prompt={`Type ${word} + Enter to roll out to ${hosts} host(s) · Esc: stop, the canary stays`}
      />
    </Box>
  );
}

function Running({state, store, width}: {state: FleetUiState; store: FleetStore; width: number}) {
  useInput((input, key) => {
    if (isCtrlC(input, key)) store.stop();
  });
  const n = state.batch;
  const names = state.batches[n - 1] ?? [];
  const done = new Set(state.results.map((r) => r.host));
  const inFlight = names.filter((h) => !done.has(h));
  const what = `batch ${n}/${state.batches.length}${n === 1 ? ' (canary)' : ''}: ${inFlight.length} host(s) in flight${inFlight.length ? `: ${inFlight.join(', ')}` : ''}`;
  const stopping =
    state.stopping === 0
      ? undefined
      : state.stopping === 1
        ? 'stopping: no further batch starts; hosts in flight finish (Ctrl-C again: they stop after their step)'
        : 'stopping: hosts in flight stop after their step in flight (Ctrl-C again: leave now, timers restore)';
  return (
    <Box flexDirection="column">
      <Box gap={1} height={1}>
        <Spinner />
        <Text>{clip(what, width - 2)}</Text>
      </Box>
      {stopping ? <T tone="warn">{clip(stopping, width)}</T> : null}
      <KeyLegend
        hints={[{keys: 'Ctrl-C', does: 'stop before the next batch (a host is never left half-way)'}]}
        width={width}
      />
    </Box>
  );
}

function Planning({state, store, width}: {state: FleetUiState; store: FleetStore; width: number}) {
  useInput((input, key) => {
    if (isCtrlC(input, key) || key.escape) store.stop();
  });
  const total = state.batches.reduce((n, b) => n + b.length, 0);
  return (
    <Box flexDirection="column">
      <Box gap={1} height={1}>
        <Spinner />
        <Text>{clip(`planning ${state.planned}/${total} host(s): read only, nothing changes`, width - 2)}</Text>
      </Box>
      <KeyLegend hints={[{keys: 'Ctrl-C', does: 'quit after planning, nothing changes'}]} width={width} />
    </Box>
  );
}

/**
 * The fleet wizard: the plan reviewed once (identical plans shown once), the canary run, its result,
 * and the question before the rollout. Host lines are printed once, above the live region.
 */
export function FleetApp({store}: {store: FleetStore}) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const {columns, rows} = useTerminalSize();
  const {exit} = useApp();
  useEffect(() => {
    if (state.phase !== 'finished') return;
    const t = setTimeout(exit, 0);
    return () => clearTimeout(t);
  }, [state.phase, exit]);
  const height = rows - 1;
  let live: ReactNode = null;
  if (state.phase === 'planning') live = <Planning state={state} store={store} width={columns} />;
  else if (state.phase === 'review') live = <Review state={state} store={store} width={columns} height={height} />;
  else if (state.phase === 'ask-rollout')
    live = <AskRollout state={state} store={store} width={columns} height={height} />;
  else if (state.phase === 'running') live = <Running state={state} store={store} width={columns} />;
  return (
    <>
      <Static items={state.lines}>{(l) => <Text key={l.key}>{l.text}</Text>}</Static>
      <Box flexDirection="column" width={columns}>
        {live}
      </Box>
    </>
  );
}
