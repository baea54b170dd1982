/**
 * The `.git/info/sparse-checkout` lines `git sparse-checkout set --cone <dirs>` writes, without a git
 * process. Each path is taken as a directory to check out in full; the files directly inside each of
 * its parent directories come too, so a path that is a file (`--file`, `--helm-values`) is checked out
 * with its siblings, and one that is a directory with everything below it. Of each of `filesOf` only
 * the files directly inside come (a cone-mode parent directory); a directory that does not exist costs nothing.
 */
export function conePatterns(paths: readonly string[], filesOf: readonly string[] = []): string[] {
  const wanted = paths.map(segments);
  if (wanted.some((parts) => parts.length === 0)) return ['/*'];
  const recursive = new Set(wanted.map((parts) => parts.join('/')));
  const covered = (parts: string[]) =>
    parts.some((_, index) => index < parts.length - 1 && recursive.has(parts.slice(0, index + 1).join('/')));
  const parents = new Set<string>();
  for (const parts of wanted) {
    for (let length = 1; length < parts.length; length++) parents.add(parts.slice(0, length).join('/'));
  }
  for (const parts of filesOf.map(segments)) {
    for (let length = 1; length <= parts.length; length++) parents.add(parts.slice(0, length).join('/'));
  }
  const lines = ['/*', '!/*/'];
  for (const parent of [...parents].sort()) {
    if (recursive.has(parent) || covered(parent.split('/'))) continue;
    lines.push(`/${escape(parent)}/`, `!/${escape(parent)}/*/`);
  }
  for (const dir of [...recursive].sort()) {
    if (!covered(dir.split('/'))) lines.push(`/${escape(dir)}/`);
  }
  return lines;
}

/**
 * Where an overlay's base usually is, `../base` and `../../base` (kustomize's own examples, Argo CD's and
 * Flux's layouts): checking out their files with the overlay's brings them in the checkout's one blob
 * fetch, so that the unmatched-image check rarely needs a fetch of its own. Only ever a guess: a base
 * elsewhere is still read, in a fetch beside the push.
 */
export function usualBaseDirs(overlayDirs: readonly string[]): string[] {
  const guesses = new Set<string>();
  for (const dir of overlayDirs) {
    const parts = segments(dir);
    for (const up of [1, 2]) {
      if (parts.length - up < 0) continue;
      const base = [...parts.slice(0, parts.length - up), 'base'].join('/');
      if (base !== parts.join('/')) guesses.add(base);
    }
  }
  return [...guesses].sort();
}

function segments(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/** Cone patterns are literal paths: git reads `*`, `?`, `[` and `\` in them as glob characters unless escaped. */
function escape(path: string): string {
  return path.replace(/[\\*?[]/g, (char) => `\\${char}`);
}
