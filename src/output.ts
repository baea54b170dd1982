import { BumpError } from './errors.js';
import { redact, redactError } from './redact.js';

/** Everything the process prints goes through here, and so through redaction. */
export interface Output {
  info(text: string): void;
  warn(text: string): void;
  debug(text: string): void;
  /** Runs `work` as one step of the log: a collapsible section in GitLab CI, plain lines elsewhere. */
  section<T>(name: string, header: string, work: () => Promise<T>): Promise<T>;
  /** The last line on stdout: one line that says what happened. */
  summary(text: string): void;
  error(error: unknown): number;
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface OutputOptions {
  stdout?: Stream;
  stderr?: Stream;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

const BOLD_CYAN = '\x1b[1;36m';
const RESET = '\x1b[0m';

export function createOutput(options: OutputOptions = {}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const inCi = Boolean(env.CI);
  const colour = !env.NO_COLOR && (inCi || Boolean(stdout.isTTY));
  const debugging = Boolean(env.IMAGE_BUMP_DEBUG || env.CI_DEBUG_TRACE === 'true');
  let buffer: string[] | undefined;
  const write = (stream: Stream, text: string) => {
    const safe = `${redact(text).replace(/\n?$/, '\n')}`;
    if (buffer && stream === stdout) buffer.push(safe);
    else stream.write(safe);
  };

  return {
    info: (text) => write(stdout, text),
    warn: (text) => write(stderr, `warning: ${text}`),
    debug: (text) => {
      if (debugging) write(stderr, `debug: ${text}`);
    },
    summary: (text) => write(stdout, text.replace(/\s*\n\s*/g, ' ')),
    async section(name, header, work) {
      if (buffer) return work();
      const started = now();
      // Buffered so the header can carry the step's duration; the section keeps GitLab's start time.
      buffer = [];
      try {
        return await work();
      } finally {
        const lines = buffer;
        buffer = undefined;
        const seconds = ((now() - started) / 1000).toFixed(1);
        const title = redact(`${header} (${seconds} s)`);
        if (inCi) {
          const id = name.replace(/[^A-Za-z0-9_.-]/g, '_');
          stdout.write(`\x1b[0Ksection_start:${Math.floor(started / 1000)}:${id}[collapsed=true]\r\x1b[0K${colour ? `${BOLD_CYAN}${title}${RESET}` : title}\n`);
          for (const line of lines) stdout.write(line);
          stdout.write(`\x1b[0Ksection_end:${Math.floor(now() / 1000)}:${id}\r\x1b[0K\n`);
        } else {
          stdout.write(`${colour ? `${BOLD_CYAN}${title}${RESET}` : title}\n`);
          for (const line of lines) stdout.write(line);
        }
      }
    },
    error: (error) => {
      if (error instanceof BumpError) {
        write(stderr, `error: ${error.message}`);
        if (error.hint) write(stderr, `hint: ${error.hint}`);
        return error.exitCode;
      }
      write(stderr, `error: ${error instanceof Error ? error.message : String(error)}`);
      if (debugging) write(stderr, redactError(error));
      return 1;
    },
  };
}
