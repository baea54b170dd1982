import { writeFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { planEdits, type EditPlan } from '../edit/edit-plan.js';
import type { GitWorkspace } from '../git/workspace.js';
import type { Output } from '../failures/output.js';
import type { PushSettings } from '../settings/types.js';
import { resolveTargets } from '../edit/targets.js';
import { unifiedDiff } from '../edit/unified-diff.js';
import { unmatchedImageWarningsIn } from '../edit/resource-images.js';
import { cloneReader } from './clone-reader.js';
import type { ImageSetting } from '../image/image-arg.js';
import { setImages } from '../yaml/kustomization-editor.js';
import { setManifestImages } from '../yaml/manifest-editor.js';

export interface AppliedEdits {
  plan: EditPlan;
  /**
   * With `checkImages`: starts the check for entries that match no image. Started once the push is
   * under way, so that reading and parsing the base never holds up the edit or the commit.
   */
  checkUnmatchedImages?: () => Promise<string[]>;
}

/** The edit step of a push: plans every file's edit on the checked-out tip, writes the changed ones and shows their diff. */
export async function applyEdits(
  settings: PushSettings,
  output: Output,
  workspace: GitWorkspace,
  checkImages: boolean,
): Promise<AppliedEdits> {
  const targets = await resolveTargets(workspace.dir, settings.targets, (parent) => workspace.listDirectories(parent));
  const plan = await planEdits(targets, settings);
  for (const skipped of plan.skippedDowngrades) output.warn(`not downgrading ${skipped} (--on-downgrade skip)`);
  await Promise.all(plan.changed.map((edit) => writeFile(edit.path, edit.after)));
  const checkUnmatchedImages = checkImages
    ? () => unmatchedImageWarningsIn(targets, settings.images, cloneReader(workspace))
    : undefined;
  for (const edit of plan.changed) output.info(unifiedDiff(edit.shown, edit.before, edit.after));
  return { plan, checkUnmatchedImages };
}

/**
 * Runs the YAML editors, the diff and the parser of the unmatched-image check once on a small text in
 * memory, while the clone waits on the network: V8 compiles a function on its first call, and without
 * this the first edit in a process costs 5 to 10 ms more, on the way to the commit. The kustomization
 * ends with a line break and its tag changes, as in a real bump, so the edit takes the same path: the
 * editor's CST handed to the postcondition, the new text read once, both composed in YAML 1.2 and 1.1.
 * Nothing is read or written, and nothing of it is kept.
 */
export function warmUpEditing(images: readonly ImageSetting[]): void {
  try {
    const entries = images.map((image) => `  - name: ${image.name}\n    newTag: 0.0.0\n`).join('');
    const kustomization = `resources:\n  - ../base\nimages:\n${entries}`;
    unifiedDiff('warm-up.yaml', kustomization, setImages(kustomization, images, 'warm-up.yaml').text);
    const containers = images.map((image) => `        - image: ${image.name}:0.0.0\n`).join('');
    const manifest = `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n${containers}`;
    setManifestImages(manifest, images, 'warm-up.yaml');
    for (const document of parseAllDocuments(manifest)) document.toJS();
  } catch {
    // Only ever a warm-up: the real edit reports whatever is wrong.
  }
}
