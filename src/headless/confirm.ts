import type {PlannedStep} from '../core/types.js';
import {renderPlan, type Style} from '../present/plan-text.js';

/**
 * Consent proportional to risk, for the plain terminal flow: a yes/no for reversible steps, the host
 * name typed out for steps that can cut access. Runs only while nothing else owns the terminal.
 */
export async function confirmStep(p: PlannedStep, host: string, st: Style): Promise<boolean> {
  const {confirm, input} = await import('@inquirer/prompts');
  process.stderr.write(`${renderPlan([p], st, '')}\n`);
  process.stdin.ref();
  if (p.risk === 'lockout') {
    const typed = await input(
      {message: `This step can cut access. Type the host name (${host}) to apply it under the dead-man timer:`},
      {output: process.stderr},
    );
    return typed.trim() === host;
  }
  return confirm({message: `Apply "${p.title}"?`, default: true}, {output: process.stderr});
}
