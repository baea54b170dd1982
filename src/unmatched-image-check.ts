import { posix } from 'node:path';
import type { GitWorkspace } from './git-workspace.js';
import type { ImageSetting } from './image-arg.js';
import { imageNamesInResourcesWith, readInside, unmatchedImageWarnings, type ReadRepositoryFile } from './resource-images.js';
import type { EditTarget } from './targets.js';

/**
 * kustomize sets an image whose name matches nothing without a word: say so, with the names that do
 * exist. Reads the checked-out files from disk and the rest (the base, mostly) from blobs, fetching each
 * directory's manifests in one request the first time a file of it is needed.
 */
export async function unmatchedImageWarningsInClone(workspace: GitWorkspace, targets: readonly EditTarget[], images: readonly ImageSetting[]): Promise<string[]> {
  const fromDisk = readInside(workspace.dir);
  const fetched = new Map<string, Promise<void>>();
  const read: ReadRepositoryFile = async (path) => {
    const text = await fromDisk(path);
    if (text !== undefined) return text;
    const dir = posix.dirname(path);
    if (!fetched.has(dir)) fetched.set(dir, workspace.prefetchManifests(dir).catch(() => undefined));
    await fetched.get(dir);
    return workspace.readBlob(path);
  };
  const warnings: string[] = [];
  for (const target of targets.filter((candidate) => candidate.kind === 'kustomization')) {
    const names = await imageNamesInResourcesWith(read, target.shown).catch(() => []);
    warnings.push(...unmatchedImageWarnings(names, images).map((warning) => `${target.dir}: ${warning}`));
  }
  return warnings;
}
