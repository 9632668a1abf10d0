/** Bad input from the operator (arguments, recipe values): nothing was changed. Exit code 2. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** A run failed; whatever it changed has been rolled back (or the message says what was not). Exit code 1. */
export class RunError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof InputError || err instanceof RunError) return err.exitCode;
  return 1;
}

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
