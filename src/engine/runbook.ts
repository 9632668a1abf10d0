/**
 * The engine's public face: plan a runbook (a dry run that cannot change the target) and apply it. The
 * parts live in files of one concept each; see ARCHITECTURE.md.
 */
export {accessOf} from './access.js';
export type {ApplyOptions, ApplyResult, ConfirmAnswer} from './apply-options.js';
export {applyRunbook} from './apply-runbook.js';
export {countChanges} from './changes.js';
export {planRunbook, planStep} from './plan.js';
export {probeSteps} from './read-cache.js';
export {RolledBackError} from './step-rollback.js';
