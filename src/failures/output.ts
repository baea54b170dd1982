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

/** What the output takes from the environment (settings/environment-inputs.ts reads it). */
export interface OutputSettings {
  inCi: boolean;
  noColor: boolean;
  debug: boolean;
}

export interface OutputOptions {
  stdout?: Stream;
  stderr?: Stream;
  now?: () => number;
}

const BOLD_CYAN = '\x1b[1;36m';
const RESET = '\x1b[0m';

export interface Failure {
  exitCode: number;
  message: string;
  hint?: string;
}

/** What the user is told about a failure: a BumpError carries its exit code and hint; anything else is exit 1. */
export function failureOf(error: unknown): Failure {
  if (error instanceof BumpError) return { exitCode: error.exitCode, message: error.message, hint: error.hint };
  return { exitCode: 1, message: error instanceof Error ? error.message : String(error) };
}

export function createOutput(settings: OutputSettings, options: OutputOptions = {}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const now = options.now ?? Date.now;
  const { inCi, debug: debugging } = settings;
  const colour = !settings.noColor && (inCi || Boolean(stdout.isTTY));
  /** The section whose lines are held back until it ends (its header carries the duration). */
  let open: { id: string; title: string; started: number; lines: string[] } | undefined;
  const write = (stream: Stream, text: string) => {
    const safe = `${redact(text).replace(/\n?$/, '\n')}`;
    if (open && stream === stdout) open.lines.push(safe);
    else stream.write(safe);
  };
  const paint = (title: string) => (colour ? `${BOLD_CYAN}${title}${RESET}` : title);
  const closeSection = () => {
    if (!open) return;
    const { id, title, started, lines } = open;
    open = undefined;
    const header = redact(`${title} (${((now() - started) / 1000).toFixed(1)} s)`);
    if (inCi) {
      stdout.write(
        `\x1b[0Ksection_start:${Math.floor(started / 1000)}:${id}[collapsed=true]\r\x1b[0K${paint(header)}\n`,
      );
      for (const line of lines) stdout.write(line);
      stdout.write(`\x1b[0Ksection_end:${Math.floor(now() / 1000)}:${id}\r\x1b[0K\n`);
    } else {
      stdout.write(`${paint(header)}\n`);
      for (const line of lines) stdout.write(line);
    }
  };

  return {
    info: (text) => write(stdout, text),
    warn: (text) => write(stderr, `warning: ${text}`),
    debug: (text) => {
      if (debugging) write(stderr, `debug: ${text}`);
    },
    summary: (text) => {
      // A run ended from outside (a signal) may end inside a section: its lines come first.
      closeSection();
      write(stdout, text.replace(/\s*\n\s*/g, ' '));
    },
    async section(name, header, work) {
      if (open) return work();
      // Buffered so the header can carry the step's duration; the section keeps GitLab's start time.
      const section = { id: name.replace(/[^A-Za-z0-9_.-]/g, '_'), title: header, started: now(), lines: [] };
      open = section;
      try {
        return await work();
      } finally {
        if (open === section) closeSection();
      }
    },
    error: (error) => {
      closeSection();
      const failure = failureOf(error);
      write(stderr, `error: ${failure.message}`);
      if (failure.hint) write(stderr, `hint: ${failure.hint}`);
      if (debugging && !(error instanceof BumpError)) write(stderr, redactError(error));
      return failure.exitCode;
    },
  };
}
