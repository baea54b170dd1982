import { readdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { changeList, planEdits, unchangedOutcome } from './edit-plan.js';
import type { Outcome } from '../report/outcome.js';
import type { EditSettings } from '../settings/types.js';
import { resolveTargets } from './targets.js';
import type { Output } from '../failures/output.js';
import { readInside, unmatchedImageWarningsIn } from './resource-images.js';

/** The same edits as `push`, on files below the working directory, with no git involved. */
export async function runEdit(settings: EditSettings, output: Output, root: string): Promise<Outcome> {
  const subdirectories = async (parent: string) =>
    (await readdir(resolve(root, parent), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  const targets = await resolveTargets(root, settings.targets, subdirectories, '--dir');
  for (const warning of await unmatchedImageWarningsIn(targets, settings.images, readInside(root)))
    output.warn(warning);
  const plan = await planEdits(targets, settings);
  for (const skipped of plan.skippedDowngrades) output.warn(`not downgrading ${skipped} (--on-downgrade skip)`);
  await Promise.all(plan.changed.map((edit) => writeFile(edit.path, edit.after)));
  return plan.changed.length > 0 ? { kind: 'edited', changes: changeList(plan.changed) } : unchangedOutcome(plan);
}
