import { accessSync, constants, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BumpError } from '../failures/errors.js';

const checked = new Map<string, BumpError | undefined>();

/**
 * Every git runs under GNU coreutils `timeout` (see gitIn in git-workspace.ts): throws when the PATH
 * git is given has none, or only BusyBox's, which does not stop git's whole process tree.
 */
export function assertGnuTimeout(path = ''): void {
  if (!checked.has(path)) checked.set(path, problemWithTimeout(path));
  const problem = checked.get(path);
  if (problem) throw problem;
}

function problemWithTimeout(path: string): BumpError | undefined {
  const found = path
    .split(':')
    .filter(Boolean)
    .map((dir) => join(dir, 'timeout'))
    .find((file) => isExecutable(file));
  if (!found || basename(realpathSync(found)) === 'busybox') return noGnuTimeoutError(found);
  return undefined;
}

/** No `timeout` on PATH, or (`found`) only BusyBox's. */
export function noGnuTimeoutError(found?: string): BumpError {
  const hint =
    "Install GNU coreutils: on Alpine `apk add coreutils`, on Debian and Ubuntu it is always there, on macOS `brew install coreutils` and put its gnubin directory first on PATH. git runs under its `timeout`, which bounds each git step and stops git's whole process tree.";
  if (!found) return new BumpError('no `timeout` command on PATH: git is run under GNU coreutils `timeout`', { hint });
  return new BumpError(
    `${found} is BusyBox's timeout, which cannot stop git's whole process tree: git is run under GNU coreutils \`timeout\``,
    { hint },
  );
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
