import { rmSync } from 'node:fs';
import { BumpError } from '../failures/errors.js';

/**
 * SIGTERM (a cancelled job), SIGINT (Ctrl-C) and SIGHUP end a bump the way a failure does: every git
 * still running is stopped (its whole process tree), the clone is removed, the run ends through its
 * RunEnd (the error, the report and the JSON, each once) and the process exits with 128 + the signal's
 * number.
 */
const EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof EXIT_CODES;

/** How long stopping git may take before the process ends the run and exits anyway. */
const STOP_GIT_MS = 5_000;

const runningGit = new Set<Promise<unknown>>();
const directories = new Set<string>();
const controller = new AbortController();
let received: HandledSignal | undefined;
let endRun: ((error: BumpError) => number) | undefined;

/** Aborted when a signal arrives (or the process exits): stops every running git and a backoff. */
export const interruption: AbortSignal = controller.signal;

export class InterruptedError extends BumpError {
  constructor(signal: HandledSignal) {
    super(`interrupted by ${signal}: stopped git, nothing more is pushed`, {
      exitCode: EXIT_CODES[signal],
      hint: 'The job was cancelled or ran out of time (GitLab then sends SIGTERM), or the process was stopped. A push that had already reached the server may have landed: check the branch before running again.',
    });
  }
}

export function installSignalHandlers(): void {
  for (const signal of Object.keys(EXIT_CODES) as HandledSignal[]) process.on(signal, () => onSignal(signal));
  // Also on a normal exit: a git started by a promise nobody awaits any more must not outlive us.
  process.on('exit', () => controller.abort());
}

/** How the run ends when a signal arrives (the RunEnd's finish): returns the exit code. */
export function endRunOnSignal(end: (error: BumpError) => number): void {
  endRun = end;
}

/** Throws the InterruptedError once a signal has arrived: called before anything new is started. */
export function throwIfInterrupted(): void {
  if (received) throw new InterruptedError(received);
}

export function interruptedError(): InterruptedError | undefined {
  return received ? new InterruptedError(received) : undefined;
}

/** A running git (settled once its process has closed): on a signal, the run ends after it has stopped. */
export function trackGit<T>(running: Promise<T>): Promise<T> {
  runningGit.add(running);
  const untrack = () => runningGit.delete(running);
  running.then(untrack, untrack);
  return running;
}

/** A clone in the temporary directory: removed on a signal once git has stopped. */
export function trackDirectory(dir: string): () => void {
  directories.add(dir);
  return () => directories.delete(dir);
}

function onSignal(signal: HandledSignal): void {
  if (received) return end(signal); // a second signal: stop waiting for git
  received = signal;
  process.exitCode = EXIT_CODES[signal];
  controller.abort(); // every running git's process tree gets the signal (see gitIn in git-workspace.ts)
  setTimeout(() => end(signal), STOP_GIT_MS).unref();
  void Promise.allSettled([...runningGit]).then(() => end(signal));
}

/**
 * Removes the clones and ends the run with the InterruptedError. When the run had already ended (the
 * signal came after its last step), its report and JSON stand, and the exit code is still the signal's.
 */
function end(signal: HandledSignal): never {
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  const code = endRun?.(new InterruptedError(signal)) ?? EXIT_CODES[signal];
  if (code !== EXIT_CODES[signal])
    process.stderr.write(`error: interrupted by ${signal} after the run had finished its work\n`);
  process.exit(EXIT_CODES[signal]);
}
