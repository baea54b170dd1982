/**
 * Commits symbolic links (mode 120000) onto a branch of a bare repository, the way a user's
 * `ln -s … && git add` would, without a working tree. `commitFiles` writes regular files only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, ZERO_SHA } from './git.js';

export async function commitSymlinks(
  gitDir: string,
  branch: string,
  links: Record<string, string>,
  message = 'Add symbolic links',
): Promise<string> {
  const ref = `refs/heads/${branch}`;
  const parent = await git(['rev-parse', '--verify', '--quiet', ref], { cwd: gitDir }).catch(() => '');
  const indexDir = mkdtempSync(join(tmpdir(), 'gitlab-test-index-'));
  const env = { GIT_DIR: gitDir, GIT_INDEX_FILE: join(indexDir, 'index') };
  try {
    if (parent) await git(['read-tree', parent], { env });
    for (const [path, target] of Object.entries(links)) {
      const blob = await git(['hash-object', '-w', '--stdin'], { env, input: target });
      await git(['update-index', '--add', '--cacheinfo', `120000,${blob},${path}`], { env });
    }
    const tree = await git(['write-tree'], { env });
    const commit = await git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message], { env });
    await git(['update-ref', ref, commit, parent || ZERO_SHA], { env });
    return commit;
  } finally {
    rmSync(indexDir, { recursive: true, force: true });
  }
}
