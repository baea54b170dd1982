import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface GitProcess {
  argv: string[];
  env: string[];
}

let root: string | undefined;
let realGit: Promise<string> | undefined;
let count = 0;

/**
 * A directory holding a `git` to put first on PATH: it records, per process, its environment and its
 * arguments (NUL-separated), then becomes the real git. The arguments are written last: a git stopped
 * before it ran (a run that already failed stops its clone) leaves no record rather than one without
 * its environment. Git's own sub-processes run git from its exec path, not from PATH: only the
 * processes the CLI starts are recorded.
 */
export async function gitShim(): Promise<string> {
  realGit ??= execa('sh', ['-c', 'command -v git']).then((result) => result.stdout.trim());
  root ??= mkdtempSync(join(tmpdir(), 'image-bump-git-shim-'));
  const dir = join(root, String(++count));
  mkdirSync(join(dir, 'log'), { recursive: true });
  writeFileSync(
    join(dir, 'git'),
    `#!/bin/sh\nenv -0 > '${dir}/log/env-'$$\nfor arg in "$@"; do printf '%s\\0' "$arg"; done > '${dir}/log/argv-'$$\nexec '${await realGit}' "$@"\n`,
  );
  chmodSync(join(dir, 'git'), 0o755);
  return dir;
}

/** What every git started with `shim` first on PATH was given, in no particular order. */
export function gitProcesses(shim: string): GitProcess[] {
  const log = join(shim, 'log');
  return readdirSync(log)
    .filter((name) => name.startsWith('argv-'))
    .map((name) => ({
      argv: readFileSync(join(log, name), 'utf8').split('\0').slice(0, -1),
      env: readFileSync(join(log, name.replace('argv-', 'env-')), 'utf8')
        .split('\0')
        .filter(Boolean),
    }));
}

export function removeGitShims(): void {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
}
