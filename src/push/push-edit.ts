import { writeFile } from 'node:fs/promises';
import { planEdits, type EditPlan } from '../edit/edit-plan.js';
import type { GitWorkspace } from '../git/workspace.js';
import type { Output } from '../failures/output.js';
import type { PushSettings } from '../settings/types.js';
import { resolveTargets } from '../edit/targets.js';
import { unifiedDiff } from '../edit/unified-diff.js';
import { unmatchedImageWarningsIn } from '../edit/resource-images.js';
import { cloneReader } from './clone-reader.js';

export interface AppliedEdits {
  plan: EditPlan;
  /** With `checkImages`: warnings for entries that match no image, read beside the commit and push. */
  unmatchedImages?: Promise<string[]>;
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
  const unmatchedImages = checkImages
    ? unmatchedImageWarningsIn(targets, settings.images, cloneReader(workspace))
    : undefined;
  for (const edit of plan.changed) output.info(unifiedDiff(edit.shown, edit.before, edit.after));
  return { plan, unmatchedImages };
}
