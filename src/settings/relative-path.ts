import { isAbsolute, posix, relative, sep } from 'node:path';

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
