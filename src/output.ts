import { BumpError } from './errors.js';
import { redact, redactError } from './redact.js';

/** Everything the process prints goes through here, and so through redaction. */
export interface Output {
  info(text: string): void;
  warn(text: string): void;
  /** The last line on stdout: one line that says what happened. */
  summary(text: string): void;
  error(error: unknown): number;
}

interface Stream {
  write(text: string): unknown;
}

export function createOutput(stdout: Stream = process.stdout, stderr: Stream = process.stderr): Output {
  const line = (stream: Stream, text: string) => stream.write(`${redact(text).replace(/\n?$/, '\n')}`);
  return {
    info: (text) => line(stdout, text),
    warn: (text) => line(stderr, `warning: ${text}`),
    summary: (text) => line(stdout, text.replace(/\s*\n\s*/g, ' ')),
    error: (error) => {
      if (error instanceof BumpError) {
        line(stderr, `error: ${error.message}`);
        if (error.hint) line(stderr, `hint: ${error.hint}`);
        return error.exitCode;
      }
      line(stderr, `error: ${error instanceof Error ? error.message : String(error)}`);
      if (process.env.IMAGE_BUMP_DEBUG) line(stderr, redactError(error));
      return 1;
    },
  };
}
