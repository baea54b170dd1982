/** Runs the CLI built from src/ by the global setup (build-cli.ts) as a process, with an environment built from nothing. */
import { execa } from 'execa';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI } from './build-cli.js';

export const CLI = BUILT_CLI;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** An empty HOME shared by every run: the user's git configuration never reaches the CLI under test. */
const HOME = join(tmpdir(), `image-bump-test-home-${process.getuid?.() ?? 'user'}`);
mkdirSync(HOME, { recursive: true });

/**
 * Only PATH and an empty HOME from the host: no GIT_*, no CI variables, no user git config. The images
 * of most tests live on registries that do not exist, so the registry check (on by default) is off
 * unless a test turns it on (test/registry/ does, against a real registry).
 */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME, LANG: 'C.UTF-8', IMAGE_BUMP_VERIFY_IMAGE: 'off' };
}

export async function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const result = await execa(process.execPath, [CLI, ...args], {
    env: { ...baseEnv(), ...options.env },
    extendEnv: false,
    cwd: options.cwd,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    stripFinalNewline: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}
