import {settle} from '../engine/settle.js';
import type {Target} from '../target/types.js';
import {recordPostureScript} from './posture.js';

/**
 * Records the posture `portcullis check` and the on-server watch compare with, after an apply. Returns a
 * warning instead of throwing: a run that applied stays applied when this cannot be written (the
 * connection gone for good after the last step), and the next apply writes it.
 */
export async function recordPosture(target: Target): Promise<string | undefined> {
  try {
    const r = await settle(target, recordPostureScript());
    if (r.code === 0) return undefined;
    throw new Error(r.stderr.trim().split('\n').at(-1) || `exit ${r.code}`);
  } catch (e) {
    return `the posture \`portcullis check\` compares with was not recorded (${(e as Error).message}); the next apply records it`;
  }
}
