import type {Frontend} from '../engine/frontend.js';
import {makeStyle} from '../present/plan-text.js';
import {lineReporter} from './line-reporter.js';

/**
 * A dumb terminal (TERM=dumb: no cursor movement, so nothing can redraw): plain progress lines on stderr,
 * and between steps the consent prompt (@inquirer/prompts), which owns the terminal only while it asks.
 */
export function plainFrontend(o: {host: () => string; color: boolean}): Frontend {
  const st = makeStyle(o.color);
  return {
    showsSummary: false,
    connecting() {},
    ready: async () => true,
    events: lineReporter(st),
    async confirm(p) {
      const {confirmStep} = await import('./confirm.js');
      return confirmStep(p, o.host(), st);
    },
    async finish() {},
  };
}
