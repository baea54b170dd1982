import { spawn } from 'node:child_process';
import { interruptedError, killProcessGroup, throwIfInterrupted, trackGit, trackProcessGroup } from './signals.js';

/**
 * The one place git is started. Not through simple-git: it spawns git inside our own process group
 * and, on its timeout, kills git alone (SIGINT). git's transport helper (`git-remote-http`, the process
 * that actually reads from the server) then lives on as an orphan and keeps reading an endless answer
 * into memory. simple-git 4 offers no way to ask for a process group (its `spawnOptions` passes only
 * uid and gid) and its timeout counts silence, not wall time. Here every git is the leader of a group
 * of its own (`detached`), and the whole group is killed when its wall-time limit runs out or a signal
 * arrives.
 */

/** The start of the message of a git that ran out of time; git-failure.ts recognises it. */
export const WALL_TIME_EXCEEDED = 'git did not finish within';

/** Node's timers hold at most 2^31 - 1 ms; a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class GitProcessError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'GitProcessError';
  }
}

export interface GitRunOptions {
  cwd: string;
  env: Record<string, string>;
  /** Wall time for the whole process, its children included. */
  timeoutMs: number;
}

/** Runs git; resolves with its output, rejects with a GitProcessError whose message is what git printed. */
export function runGit(args: readonly string[], options: GitRunOptions): Promise<{ stdout: string; stderr: string }> {
  throwIfInterrupted();
  return trackGit(new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const pid = child.pid;
    const untrack = pid === undefined ? () => undefined : trackProcessGroup(pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killProcessGroup(pid);
    }, Math.min(options.timeoutMs, MAX_TIMER_MS));
    const finish = () => {
      clearTimeout(timer);
      untrack();
    };
    child.on('error', (error) => {
      finish();
      reject(error);
    });
    child.on('close', (code) => {
      finish();
      const interrupted = interruptedError();
      if (interrupted) return reject(interrupted);
      const output = Buffer.concat([...stdout, ...stderr]).toString('utf8');
      if (timedOut) return reject(new GitProcessError(`${WALL_TIME_EXCEEDED} ${Math.round(options.timeoutMs / 1000)} s (git ${args[0]})\n${output}`, code));
      if (code !== 0) return reject(new GitProcessError(output || `git ${args[0]} exited with ${code}`, code));
      resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  }));
}
