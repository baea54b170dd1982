import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { BumpError } from './errors.js';
import { findDowngrades } from './downgrade.js';
import { setImages, type ImageChange } from './kustomization-editor.js';
import { findKustomization } from './kustomization-file.js';
import type { ImageSettings } from './settings.js';

export interface EditTarget {
  /** Absolute path of the file. */
  path: string;
  /** Path relative to the repository (or as the user gave it), for messages and git. */
  shown: string;
  dir: string;
  env?: string;
}

export interface FileEdit extends EditTarget {
  before: string;
  after: string;
  changes: ImageChange[];
}

export interface EditPlan {
  edits: FileEdit[];
  /** Edits that change bytes. */
  changed: FileEdit[];
  skippedDowngrades: string[];
}

/** The kustomization file of every target directory; any missing one stops the whole bump. */
export async function locateKustomizations(
  root: string,
  targets: readonly { dir: string; env?: string }[],
  siblings: (parent: string) => Promise<string[]>,
  options?: string,
): Promise<EditTarget[]> {
  const located: EditTarget[] = [];
  for (const target of targets) {
    const path = await findKustomization(root, target.dir, siblings, options);
    located.push({ ...target, path, shown: relative(root, path).split('\\').join('/') });
  }
  return located;
}

/**
 * Computes every file's new text and applies the downgrade policy; writes nothing. All files are
 * read and checked before anything is decided, so one bad file stops the whole bump.
 */
export async function planEdits(targets: readonly EditTarget[], images: ImageSettings): Promise<EditPlan> {
  const edits: FileEdit[] = [];
  for (const target of targets) {
    const before = await readFile(target.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new BumpError(`cannot read ${target.shown}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    });
    const { text, changes } = setImages(before, images.images, target.shown);
    edits.push({ ...target, before, after: text, changes });
  }
  const downgrades = edits.flatMap((edit) => findDowngrades(edit.changes).map((d) => `${d.name} ${d.from} -> ${d.to} in ${edit.shown}`));
  if (downgrades.length > 0 && images.onDowngrade === 'fail') {
    throw new BumpError(`refusing to downgrade ${downgrades.join('; ')}`, {
      hint: 'A newer version is already there (an older pipeline finishing late?). For an intended rollback pass --on-downgrade allow; --on-downgrade skip leaves the files as they are and succeeds.',
    });
  }
  if (downgrades.length > 0 && images.onDowngrade === 'skip') return { edits, changed: [], skippedDowngrades: downgrades };
  return { edits, changed: edits.filter((edit) => edit.after !== edit.before), skippedDowngrades: [] };
}
