import {compileAction, summarize} from '../engine/compile.js';
import type {PlannedStep} from '../engine/types.js';
import type {Exposure} from '../platform/exposure.js';
import type {Facts} from '../platform/facts.js';

export function planJson(
  recipe: string,
  target: string,
  facts: Facts,
  steps: readonly PlannedStep[],
  exp: readonly Exposure[],
) {
  return {
    recipe,
    target,
    platform: facts.platform,
    mode: 'plan',
    changed: 0,
    steps: steps.map((s) => ({
      id: s.id,
      title: s.title,
      risk: s.risk,
      status: s.plan.actions.length ? 'changes' : 'compliant',
      actions: s.plan.actions.map((a, i) => ({
        kind: a.kind,
        summary: summarize(a),
        commands: compileAction(a, {runId: 'RUN', stepId: s.id, style: 'review'}),
        diff: s.diffs[i],
      })),
      findings: s.plan.findings,
    })),
    findings: steps.flatMap((s) => s.plan.findings.map((f) => ({step: s.id, ...f}))),
    exposures: exp.map((e) => ({
      proto: e.proto,
      address: e.address,
      port: e.port,
      process: e.process,
      public: e.public,
      blocked: e.blocked,
      exposed: e.exposed,
      flagged: e.flag,
      fix: e.fix,
    })),
  };
}
