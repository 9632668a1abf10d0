import {normalize} from 'node:path';
import type {Step} from '../src/core/types.js';
import {
  captureScript,
  defaultEvidenceBase,
  EVIDENCE_ITEMS,
  parseCapture,
  writeBundle,
} from '../src/evidence/capture.js';
import {RunError} from '../src/util/errors.js';

export interface EvidenceParams {
  /** Where bundles go on the operator's machine. */
  base: string;
  days: number;
}

/**
 * Evidence first: a read-only step that plans no change. Once it is reached in an apply, one round trip
 * reads what an investigation needs and the bundle is written on the operator's machine, before any
 * later step changes the box.
 */
export const evidence: Step<EvidenceParams> = {
  id: 'evidence',
  title: 'Capture evidence',
  why: 'A box that may be under attack is evidence: sockets, sessions, keys, sudoers, cron jobs and logs are saved before anything on it changes, with hashes, so what is found later can be compared with what was there.',
  risk: 'safe',
  undo: 'Nothing to undo on the server: the capture only reads. The bundle stays on your machine.',
  params: (values) => ({
    base: values.evidence_dir !== undefined ? normalize(values.evidence_dir) : defaultEvidenceBase(),
    days: values.evidence_days,
  }),
  probe: () => ({}),
  plan({params: p, facts}) {
    return {
      actions: [],
      findings: [
        {
          level: 'info',
          message: `read-only: captures ${EVIDENCE_ITEMS.map((i) => i.file.replace(/\.txt$/, '')).join(', ')} (last ${p.days} day(s)) in one round trip and saves them with SHA256SUMS to ${p.base}/${facts.hostname || 'HOST'}-<UTC time>/ (0700, files 0600) before any later step changes the box`,
        },
      ],
      onRollback: [],
    };
  },
  async afterApply({run, params: p, facts, access}) {
    const at = new Date();
    const r = await run(captureScript(p.days));
    const items = parseCapture(r.stdout);
    if (r.code !== 0 || items.size === 0)
      throw new RunError(
        `the evidence capture failed (exit ${r.code}); nothing on the server was changed, and no later step ran`,
      );
    const dir = writeBundle(p.base, facts.hostname || access.host, at, items, {
      target: `${access.user}@${access.host}:${access.port}`,
      days: p.days,
    });
    return [dir];
  },
};
