import { readFile } from 'node:fs/promises';
import { findDowngrades } from '../image/downgrade.js';
import { BumpError } from '../failures/errors.js';
import type { ImageChange } from '../image/image-change.js';
import { assertImagesMarked, findMarkers } from '../yaml/marker-editor.js';
import type { Change, Outcome, PushTarget } from '../report/outcome.js';
import type { ImageSettings } from '../settings/types.js';
import type { EditTarget } from './targets.js';

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
    const { text, changes } = target.editor(before, images.images, target.shown);
    edits.push({ ...target, before, after: text, changes });
  }
  assertEveryImageFound(edits, images);
  const downgrades = edits.flatMap((edit) =>
    findDowngrades(edit.changes).map((d) => `${d.name} ${d.from} -> ${d.to} in ${edit.shown}`),
  );
  if (downgrades.length > 0 && images.onDowngrade === 'fail') {
    throw new BumpError(`refusing to downgrade ${downgrades.join('; ')}`, {
      hint: 'A newer version is already there (an older pipeline finishing late?). For an intended rollback pass --on-downgrade allow; --on-downgrade skip leaves the files as they are and succeeds.',
    });
  }
  if (downgrades.length > 0 && images.onDowngrade === 'skip')
    return { edits, changed: [], skippedDowngrades: downgrades };
  return { edits, changed: edits.filter((edit) => edit.after !== edit.before), skippedDowngrades: [] };
}

/**
 * An image that no manifest field, values path or marker refers to would silently change nothing. A
 * kustomization always takes the image (as a new entry), so then there is nothing to check.
 */
function assertEveryImageFound(edits: readonly FileEdit[], images: ImageSettings): void {
  if (edits.length === 0 || edits.some((edit) => edit.kind === 'kustomization')) return;
  const found = new Set(edits.flatMap((edit) => edit.changes.map((change) => change.name)));
  const marked = edits.filter((edit) => edit.kind === 'markers');
  for (const edit of marked) for (const marker of findMarkers(edit.before, edit.shown)) found.add(marker.name);
  const missing = images.images.filter((image) => !found.has(image.name));
  if (missing.length === 0) return;
  if (marked.length > 0) assertImagesMarked(missing, [], marked.map((edit) => edit.shown).join(', '));
  throw new BumpError(
    `no image field matches ${missing.map((image) => image.name).join(', ')} in ${edits.map((edit) => edit.shown).join(', ')}`,
    {
      hint: 'The name left of "=" must equal the whole image name in the files (registry and port included, without tag or digest), as in kustomize.',
    },
  );
}

/** Every image a plan changes, in file order: the one change list everything else renders. */
export function changeList(edits: readonly FileEdit[]): Change[] {
  return edits.flatMap((edit) =>
    edit.changes
      .filter((change) => change.changed)
      .map((change) => ({
        name: change.name,
        file: edit.shown,
        dir: edit.dir,
        env: edit.env,
        previousImage: change.previousImage,
        newImage: change.newImage,
      })),
  );
}

/** The outcome of a plan that changes no file: the images are already set, or a downgrade was skipped. */
export function unchangedOutcome(
  plan: EditPlan,
  push?: PushTarget,
): Extract<Outcome, { kind: 'nothing-to-change' | 'skipped-downgrade' }> {
  if (plan.skippedDowngrades.length > 0)
    return { kind: 'skipped-downgrade', push, downgrades: plan.skippedDowngrades, changes: [] };
  const current = plan.edits.flatMap((edit) =>
    edit.changes.map((change) => ({ name: change.name, dir: edit.dir, image: change.newImage })),
  );
  return { kind: 'nothing-to-change', push, current, changes: [] };
}
