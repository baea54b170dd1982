/**
 * The `.git/info/sparse-checkout` lines `git sparse-checkout set --cone <dirs>` writes, without a git
 * process. Each path is taken as a directory to check out in full; the files directly inside each of
 * its parent directories come too, so a path that is a file (`--file`, `--helm-values`) is checked out
 * with its siblings, and one that is a directory with everything below it.
 */
export function conePatterns(paths: readonly string[]): string[] {
  const wanted = paths.map(segments);
  if (wanted.some((parts) => parts.length === 0)) return ['/*'];
  const recursive = new Set(wanted.map((parts) => parts.join('/')));
  const covered = (parts: string[]) =>
    parts.some((_, index) => index < parts.length - 1 && recursive.has(parts.slice(0, index + 1).join('/')));
  const parents = new Set<string>();
  for (const parts of wanted) {
    for (let length = 1; length < parts.length; length++) parents.add(parts.slice(0, length).join('/'));
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

function segments(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/** Cone patterns are literal paths: git reads `*`, `?`, `[` and `\` in them as glob characters unless escaped. */
function escape(path: string): string {
  return path.replace(/[\\*?[]/g, (char) => `\\${char}`);
}
