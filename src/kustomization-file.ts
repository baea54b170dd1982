import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { BumpError } from './errors.js';

/** The names kustomize looks for, in its order. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/**
 * The kustomization file in `dir` (relative to `root`), refusing anything that resolves outside `root`.
 * `siblings` lists what does exist beside a missing directory, for the message.
 */
export async function findKustomization(
  root: string,
  dir: string,
  siblings: (parent: string) => Promise<string[]>,
  options = '--target-env / --overlays-dir (or --path)',
): Promise<string> {
  const absoluteDir = join(root, dir);
  const entries = await readdir(absoluteDir).catch(() => undefined);
  if (!entries) {
    const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '.';
    const existing = await siblings(parent).catch(() => []);
    throw new BumpError(`directory ${dir} does not exist`, {
      hint: existing.length > 0
        ? `Existing directories in ${parent}: ${existing.join(', ')}. Check ${options}.`
        : `Nothing exists at ${parent} either: check ${options}.`,
    });
  }
  const found = KUSTOMIZATION_FILE_NAMES.filter((name) => entries.includes(name));
  if (found.length === 0) {
    throw new BumpError(`no kustomization file in ${dir}`, { hint: `kustomize looks for ${KUSTOMIZATION_FILE_NAMES.join(', ')}; add one or point --path at the directory that has it.` });
  }
  if (found.length > 1) {
    throw new BumpError(`${dir} has more than one kustomization file: ${found.join(', ')}`, { hint: 'kustomize refuses this too: keep one of them.' });
  }
  const file = join(absoluteDir, found[0]!);
  await assertInside(root, file, `${dir}/${found[0]}`);
  return file;
}

async function assertInside(root: string, file: string, shown: string): Promise<void> {
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
  const rel = relative(realRoot, realFile);
  if (rel.startsWith('..') || rel.startsWith(sep) || rel === '') {
    throw new BumpError(`${shown} leads outside the repository (a symbolic link to ${(await lstat(file)).isSymbolicLink() ? 'a path outside it' : 'elsewhere'})`, {
      hint: 'Point --path or --target-env at a real directory inside the GitOps repository.',
      exitCode: 2,
    });
  }
}
