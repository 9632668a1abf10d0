import {Box} from 'ink';
import type {ReactNode} from 'react';
import {block, type Line} from '../model/lines.js';
import {findingLines} from '../model/review-lines.js';
import type {ArtifactView, StepView} from '../state/types.js';
import {T} from '../theme.js';
import {LinesView} from './lines-view.js';
import {QrBlock, qrWidth} from './qr-block.js';
import {stepStatus} from './status.js';

export interface ResultPanelProps {
  step: StepView;
  /** The files to show: a step's files arrive after it is printed, so a panel may get them one at a time. */
  artifacts: readonly ArtifactView[];
  width: number;
}

const INDENT = 4;

/** Files a step saved on this machine, by path: what a panel shows for a step without its own. */
export function FilesPanel({artifacts, width}: ResultPanelProps) {
  if (!artifacts.length) return null;
  return (
    <LinesView lines={artifacts.flatMap((a) => block(`saved on this machine: ${a.path}`, 'dim', width, INDENT))} />
  );
}

/** The rows of a client config: where it is, that it is secret, and over its QR code what to do with it. */
export function clientConfigLines(a: ArtifactView, width: number): Line[] {
  if (!a.qr) return block(`client config ${a.path} (0600)`, 'plain', width, INDENT);
  const out = [
    ...block(`client config ${a.path}`, 'bold', width, INDENT),
    ...block(
      "0600: it holds your peer's private key; its QR code is shown here only, never logged",
      'dim',
      width,
      INDENT,
    ),
  ];
  const need = qrWidth(a.qr) + INDENT;
  if (need > width)
    return [...out, ...block(`(its QR code needs ${need} columns; this terminal has ${width})`, 'warn', width, INDENT)];
  return [...out, ...block('scan it with the WireGuard app on your phone:', 'plain', width, INDENT)];
}

/**
 * WireGuard's client configs: the path of each (0600), and under the operator's own the QR code for the
 * WireGuard app. The code holds the peer's private key: it is drawn on this screen on purpose, and
 * never goes to a log, --json or the journal.
 */
export function ClientConfigPanel({step, artifacts, width}: ResultPanelProps) {
  return (
    <Box flexDirection="column">
      {artifacts.map((a) =>
        a.kind !== 'client-config' ? (
          <FilesPanel key={a.path} step={step} artifacts={[a]} width={width} />
        ) : (
          <Box key={a.path} flexDirection="column">
            <LinesView lines={clientConfigLines(a, width)} />
            {a.qr && qrWidth(a.qr) + INDENT <= width ? <QrBlock rows={a.qr} indent={INDENT} /> : null}
          </Box>
        ),
      )}
    </Box>
  );
}

/**
 * Extra panels for what a finished step left on this machine, by step id: the place for results an
 * operator takes away (a WireGuard client's QR code, for one). Steps without one list their files.
 */
export const RESULT_PANELS: Record<string, (p: ResultPanelProps) => ReactNode> = {
  wireguard: ClientConfigPanel,
};

/** The panel for files a step wrote (nothing when there are none). */
export function ArtifactsResult(p: ResultPanelProps) {
  if (!p.artifacts.length) return null;
  const Panel = RESULT_PANELS[p.step.id] ?? FilesPanel;
  return <Panel {...p} />;
}

/** The lines under a finished step's title: counts, proofs, why it ended, warnings. */
export function resultLines(s: StepView, width: number, withFindings: boolean): Line[] {
  const out: Line[] = [];
  const w = width - 4;
  if (s.status === 'done')
    out.push(...block(`${s.changed ?? 0} change(s) in ${((s.ms ?? 0) / 1000).toFixed(1)} s`, 'dim', w, 4));
  for (const p of s.proofs) {
    // The command once: a proof whose words already hold it gets the time only.
    if (p.state === 'ok')
      out.push(
        ...block(
          `✔ proven: ${p.what} (${p.what.includes(p.command) ? '' : `${p.command}, `}${p.ms ?? 0} ms)`,
          'ok',
          w,
          4,
        ),
      );
    if (p.state === 'failed' && !s.reason)
      out.push(...block(`✘ not proven: ${p.what}: ${p.reason ?? ''}`, 'error', w, 4));
  }
  if (s.reason)
    out.push(...block(s.reason, s.status === 'rolled-back' || s.status === 'failed' ? 'error' : 'dim', w, 4));
  if (s.status === 'skipped') out.push(...block('skipped: nothing of this step was changed', 'dim', w, 4));
  if (s.status === 'declined') out.push(...block('nothing of this step was changed', 'dim', w, 4));
  if (s.status === 'left-to-timer' && s.timer)
    out.push(...block(`its change is live until the timer restores it (${s.timer.seconds} s window)`, 'warn', w, 4));
  if (withFindings)
    out.push(
      ...findingLines(
        s.findings.filter((f) => f.level !== 'info'),
        w,
        4,
      ),
    );
  return out;
}

/** A finished step as printed once in the static log. */
export function StepResult({
  step,
  width,
  withFindings = true,
}: {
  step: StepView;
  width: number;
  withFindings?: boolean;
}) {
  const st = stepStatus(step);
  return (
    <Box flexDirection="column">
      <Box gap={1}>
        <T tone={st.tone}>{st.glyph}</T>
        <T tone="bold">{step.title}</T>
        <T tone={st.tone}>{st.word}</T>
      </Box>
      <LinesView lines={resultLines(step, width, withFindings)} />
      <ArtifactsResult step={step} artifacts={step.artifacts} width={width} />
    </Box>
  );
}
