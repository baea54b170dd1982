import { readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { locateKustomizations, planEdits, type EditPlan } from './overlay-edit.js';
import type { EditSettings } from './settings.js';

/** `kustomize edit set image` on a local directory or file, with no git involved. */
export async function runEdit(settings: EditSettings): Promise<EditPlan> {
  const targets = settings.file
    ? [{ path: resolve(settings.file), shown: settings.file, dir: dirname(settings.file) }]
    : await locateInDirectory(resolve(settings.dir ?? '.'));
  const plan = await planEdits(targets, settings);
  await Promise.all(plan.changed.map((edit) => writeFile(edit.path, edit.after)));
  return plan;
}

/** Paths are shown relative to the working directory when the directory is below it. */
async function locateInDirectory(dir: string) {
  const below = relative(process.cwd(), dir);
  const inside = below !== '' && !below.startsWith('..') && !isAbsolute(below);
  const root = inside ? process.cwd() : dirname(dir);
  const shownDir = inside ? below.split('\\').join('/') : basename(dir);
  const subdirectories = async (parent: string) =>
    (await readdir(resolve(root, parent), { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  return locateKustomizations(root, [{ dir: shownDir }], subdirectories, '--dir');
}
