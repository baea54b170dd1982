import { posix } from 'node:path';
import type { GitWorkspace } from '../git/workspace.js';
import { readInside, type ReadRepositoryFile } from '../edit/resource-images.js';

/**
 * Reads repository files in the clone for the unmatched-image check: the checked-out ones from disk, the
 * rest (the base, mostly) from blobs, fetching each directory's manifests in one request the first time
 * a file of it is needed instead of one round trip per file.
 */
export function cloneReader(workspace: GitWorkspace): ReadRepositoryFile {
  const fromDisk = readInside(workspace.dir);
  const fetched = new Map<string, Promise<void>>();
  return async (path) => {
    const text = await fromDisk(path);
    if (text !== undefined) return text;
    const dir = posix.dirname(path);
    if (!fetched.has(dir))
      fetched.set(
        dir,
        workspace.prefetchManifests(dir).catch(() => undefined),
      );
    await fetched.get(dir);
    return workspace.readBlob(path);
  };
}
