import { rmSync } from 'node:fs';
import { BumpError } from './errors.js';

/**
 * SIGTERM (a cancelled job), SIGINT (Ctrl-C) and SIGHUP end a bump the way a failure does: git's
 * process groups are killed at once, the run unwinds through its usual `finally` blocks (the clone is
 * removed, the report written) and the process exits with 128 + the signal's number.
 */
const EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof EXIT_CODES;

/** How long the unwinding may take before the process exits anyway (and removes the clones itself). */
const UNWIND_MS = 10_000;

const processGroups = new Set<number>();
const directories = new Set<string>();
const controller = new AbortController();
let received: HandledSignal | undefined;
let reported = false;

/** Aborted when a signal arrives: for waits that are not git processes (a backoff, an HTTP request). */
export const interruption: AbortSignal = controller.signal;

export class InterruptedError extends BumpError {
  constructor(signal: HandledSignal) {
    super(`interrupted by ${signal}: stopped git, nothing more is pushed`, {
      exitCode: EXIT_CODES[signal],
      hint: 'The job was cancelled or ran out of time (GitLab then sends SIGTERM), or the process was stopped. A push that had already reached the server may have landed: check the branch before running again.',
    });
    reported = true;
  }
}

export function installSignalHandlers(): void {
  for (const signal of Object.keys(EXIT_CODES) as HandledSignal[]) process.on(signal, () => onSignal(signal));
  // Also on a normal exit: a git started by a promise nobody awaits any more must not outlive us.
  process.on('exit', () => killProcessGroups());
}

/** Throws the InterruptedError once a signal has arrived: called before anything new is started. */
export function throwIfInterrupted(): void {
  if (received) throw new InterruptedError(received);
}

export function interruptedError(): InterruptedError | undefined {
  return received ? new InterruptedError(received) : undefined;
}

/** Git runs as the leader of a process group of its own (see git-process.ts); the group is killed on a signal. */
export function trackProcessGroup(pid: number): () => void {
  processGroups.add(pid);
  return () => processGroups.delete(pid);
}

/** A clone in the temporary directory: removed by the unwinding, or here when the unwinding takes too long. */
export function trackDirectory(dir: string): () => void {
  directories.add(dir);
  return () => directories.delete(dir);
}

export function killProcessGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone (ESRCH): nothing left to stop.
  }
}

/**
 * The exit code once main() has returned: a signal that arrived after the last git step (the push had
 * landed) still ends the run with its code, and says so if nothing did yet.
 */
export function exitCodeAfterSignals(code: number): number {
  if (!received) return code;
  if (!reported) process.stderr.write(`error: interrupted by ${received} after the run had finished its work\n`);
  return EXIT_CODES[received];
}

function onSignal(signal: HandledSignal): void {
  if (received) return forceExit(); // a second signal: stop waiting for the unwinding
  received = signal;
  process.exitCode = EXIT_CODES[signal];
  killProcessGroups();
  controller.abort();
  setTimeout(forceExit, UNWIND_MS).unref();
}

function killProcessGroups(): void {
  for (const pid of processGroups) killProcessGroup(pid);
}

function forceExit(): void {
  killProcessGroups();
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  process.exit(received ? EXIT_CODES[received] : 1);
}
