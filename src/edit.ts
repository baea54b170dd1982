import { readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { locateKustomizations, planEdits, type EditPlan } from './overlay-edit.js';
import type { EditSettings } from './settings.js';

/** `kustomize edit set image` on a local directory or file, with no git involved. */
export async function runEdit(settings: EditSettings): Promise<EditPlan> {
  const targets = settings.file
    ? [{ path: resolve(settings.file), shown: settings.file, dir: dirname(settings.file) }]
    : await locateInDirectory(resolve(settings.dir ?? '.'), settings.dir ?? '.');
  const plan = await planEdits(targets, settings);
  await Promise.all(plan.changed.map((edit) => writeFile(edit.path, edit.after)));
  return plan;
}

async function locateInDirectory(dir: string, shownDir: string) {
  const parent = dirname(dir);
  const located = await locateKustomizations(parent, [{ dir: basename(dir) }], async (sub) =>
    (await readdir(resolve(parent, sub), { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name),
  );
  return located.map((target) => ({ ...target, shown: `${shownDir.replace(/\/+$/, '')}/${basename(target.path)}`, dir: shownDir }));
}
