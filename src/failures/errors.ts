/**
 * Every failure the user can act on is a BumpError: it carries the exit code and, where a fix is known,
 * a hint. One catch at the top of the CLI prints `error: …` and `hint: …` and exits with `exitCode`.
 */
export class BumpError extends Error {
  readonly exitCode: number;
  readonly hint?: string;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
  }
}

/** Invalid input or usage: nothing was attempted (exit 2). */
export class UsageError extends BumpError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** Rewords a failure's hint in place (in the words of the run: the component's inputs or the flags); the error keeps its class and exit code. */
export function rewordHint(error: unknown, reword: (hint: string) => string): unknown {
  if (error instanceof BumpError && error.hint !== undefined) {
    Object.defineProperty(error, 'hint', { value: reword(error.hint), enumerable: true });
  }
  return error;
}
