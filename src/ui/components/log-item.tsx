import {Box} from 'ink';
import {assertNever} from '../../util/errors.js';
import {finishLines} from '../model/finish-lines.js';
import {block, clip} from '../model/lines.js';
import {preflightLines} from '../model/preflight-lines.js';
import type {StaticItem} from '../state/types.js';
import {T} from '../theme.js';
import {LinesView} from './lines-view.js';
import {ArtifactsResult, StepResult} from './step-result.js';

/** One entry of the static log: printed once, above the live region, never redrawn. */
export function LogItem({item, width}: {item: StaticItem; width: number}) {
  switch (item.kind) {
    case 'banner':
      return (
        <Box>
          <T tone="bold">{clip(item.text, width)}</T>
        </Box>
      );
    case 'note':
      return (
        <Box>
          <T tone="dim" wrap="wrap">
            {item.text}
          </T>
        </Box>
      );
    case 'copy':
      return (
        <LinesView
          lines={[...block(item.about, 'dim', width, 4), {text: `    ${item.text}`, tone: 'cmd', nowrap: true}]}
        />
      );
    case 'preflight':
      return (
        <Box flexDirection="column">
          <LinesView lines={preflightLines(item.info, item.findings, width)} />
        </Box>
      );
    case 'step':
      return <StepResult step={item.step} width={width} withFindings={!item.quiet} />;
    case 'artifacts':
      return <ArtifactsResult step={item.step} artifacts={item.artifacts} width={width} />;
    case 'finish':
      return <LinesView lines={finishLines(item.finish, item.steps, item.target, width)} />;
    default:
      return assertNever(item, 'kind');
  }
}
