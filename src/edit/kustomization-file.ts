import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { BumpError } from '../failures/errors.js';
import { liesBelow } from '../settings/relative-path.js';

/** The names kustomize looks for, in its order. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

const DEFAULT_OPTIONS = '--target-env / --overlays-dir (or --path)';

/**
 * The kustomization file in `dir` (relative to `root`), refusing anything that resolves outside `root`.
 * `siblings` lists what does exist beside a missing directory, for the message.
 */
export async function findKustomization(
  root: string,
  dir: string,
  siblings: (parent: string) => Promise<string[]>,
  options = DEFAULT_OPTIONS,
): Promise<string> {
  const absoluteDir = join(root, dir);
  if ((await lstat(absoluteDir).catch(() => undefined))?.isSymbolicLink()) {
    throw symlinkedDirectoryError(dir, await readlink(absoluteDir), options);
  }
  const entries = await readdir(absoluteDir).catch(() => undefined);
  if (!entries) {
    const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '.';
    const existing = await siblings(parent).catch(() => []);
    throw missingDirectoryError(dir, parent, existing, options);
  }
  const found = KUSTOMIZATION_FILE_NAMES.filter((name) => entries.includes(name));
  if (found.length === 0) {
    throw noKustomizationError(dir, options);
  }
  if (found.length > 1) {
    throw severalKustomizationsError(dir, found);
  }
  const file = join(absoluteDir, found[0]!);
  await assertInside(root, file, `${dir}/${found[0]}`);
  return file;
}

export function missingDirectoryError(
  dir: string,
  parent: string,
  existing: readonly string[],
  options = DEFAULT_OPTIONS,
): BumpError {
  return new BumpError(`directory ${dir} does not exist`, {
    hint:
      existing.length > 0
        ? `Existing directories in ${parent}: ${existing.join(', ')}. Check ${options}.`
        : `Nothing exists at ${parent} either: check ${options}.`,
  });
}

export function symlinkedDirectoryError(dir: string, target: string, options = DEFAULT_OPTIONS): BumpError {
  return new BumpError(`${dir} is a symbolic link (to ${target}), not a directory`, {
    hint: `A bump edits the kustomization where it is in the repository, never through a link: point ${options} at the real directory.`,
    exitCode: 2,
  });
}

export function noKustomizationError(dir: string, options = DEFAULT_OPTIONS): BumpError {
  return new BumpError(`no kustomization file in ${dir}`, {
    hint: `kustomize looks for ${KUSTOMIZATION_FILE_NAMES.join(', ')}: add one, or check ${options} points at the directory that has it.`,
  });
}

export function severalKustomizationsError(dir: string, found: readonly string[]): BumpError {
  return new BumpError(`${dir} has more than one kustomization file: ${found.join(', ')}`, {
    hint: 'kustomize refuses this too: keep one of them.',
  });
}

/** The path stays inside the repository as written, so only a symbolic link on the way can lead out. */
export function outsideRepositoryError(shown: string): BumpError {
  return new BumpError(`${shown} leads outside the repository (a symbolic link to a path outside it)`, {
    hint: 'A kustomization is only read and written inside the GitOps repository: replace the symbolic link with the real file, or point --path or --target-env at a real directory inside the repository.',
    exitCode: 2,
  });
}

export async function assertInside(root: string, file: string, shown: string): Promise<void> {
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
  if (!liesBelow(realRoot, realFile)) throw outsideRepositoryError(shown);
}
