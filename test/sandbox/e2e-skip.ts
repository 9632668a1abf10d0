import {inject} from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why e2e tests cannot run here ('' when they can). Set by test/e2e/global-setup.ts. */
    portcullisE2eSkip: string;
  }
}

/**
 * For `describe.skipIf(e2eSkipReason())`: the reason global setup found (outside CI only;
 * in CI it throws instead, a skipped e2e suite being a failure there).
 */
export function e2eSkipReason(): string {
  return inject('portcullisE2eSkip') || process.env.PORTCULLIS_E2E_SKIP || '';
}
