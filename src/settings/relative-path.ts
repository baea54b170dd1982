import { realpathSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';

/**
 * The one rule for a path given relative to a root (the repository, or the working directory): it
 * is written with "/", stays below the root as written, and never passes through git's own `.git`.
 * Pure: symbolic links are checked where the files are opened.
 */
export type RelativePathProblem = 'control' | 'absolute' | 'parent' | 'root' | 'git-dir';

/** `a/./b/`, `a//b` and `a\b` all become `a/b`; the root itself is `.`. */
export function normalizeRelativePath(raw: string): string {
  return posix.normalize(raw.replace(/\\/g, '/')).replace(/\/+$/, '') || '.';
}

function isAbsolutePath(raw: string): boolean {
  return raw.startsWith('/') || raw.startsWith('\\') || /^[A-Za-z]:/.test(raw);
}

function climbsAbove(normalized: string): boolean {
  return normalized === '..' || normalized.startsWith('../');
}

/** `raw` normalised, or undefined when it is absolute or climbs above the root (other problems are the caller's). */
export function normalizeBelowRoot(raw: string): string | undefined {
  const normalized = normalizeRelativePath(raw);
  return isAbsolutePath(raw) || climbsAbove(normalized) ? undefined : normalized;
}

/** What is wrong with `raw` as a path below the root, or undefined when nothing is. */
export function relativePathProblem(
  raw: string,
  options: { allowRoot?: boolean } = {},
): RelativePathProblem | undefined {
  if (/[\0-\x1f\x7f]/.test(raw)) return 'control';
  if (isAbsolutePath(raw)) return 'absolute';
  const normalized = normalizeRelativePath(raw);
  if (climbsAbove(normalized)) return 'parent';
  if (normalized === '.' && !options.allowRoot) return 'root';
  // Any segment, before or after normalising (`a/../.git` too); case-insensitive file systems read `.GIT` as `.git`.
  const segments = [...raw.replace(/\\/g, '/').split('/'), ...normalized.split('/')];
  if (segments.some((segment) => segment.toLowerCase() === '.git')) return 'git-dir';
  return undefined;
}

/** Whether `path` lies strictly below `root`; both absolute and already resolved (realpath), so links cannot lead out. */
export function liesBelow(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel);
}

/**
 * An absolute path that lies in the working directory, as the relative path the rules above check
 * (`/srv/app/overlays/prod` in `/srv/app` is `overlays/prod`); any other path unchanged, to be judged
 * by them. Read as written first, then with symbolic links resolved (the working directory is resolved,
 * a path typed by the user may not be, e.g. through a linked /tmp).
 */
export function belowWorkingDirectory(raw: string, cwd: string): string {
  if (!isAbsolute(raw)) return raw;
  const inside = (rel: string) => rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel);
  const asWritten = relative(cwd, raw);
  if (asWritten === '') return '.';
  if (inside(asWritten)) return asWritten.split(sep).join('/');
  const resolved = relative(realOrSame(cwd), realOrSame(raw));
  if (resolved === '') return '.';
  return inside(resolved) ? resolved.split(sep).join('/') : raw;
}

function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
