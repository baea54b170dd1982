import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { BumpError } from '../failures/errors.js';
import { setHelmImage } from '../yaml/helm-values-editor.js';
import type { ImageSetting } from '../image/image-arg.js';
import type { ImageChange } from '../image/image-change.js';
import { setImages } from '../yaml/kustomization-editor.js';
import { assertInside, findKustomization, KUSTOMIZATION_FILE_NAMES } from './kustomization-file.js';
import { setManifestImages } from '../yaml/manifest-editor.js';
import { setMarkedImages } from '../yaml/marker-editor.js';
import type { TargetSpec } from '../settings/target-spec.js';

/** A pure editor: the file's text and the image settings in, the new text and what changed out. */
export type Editor = (
  text: string,
  settings: readonly ImageSetting[],
  file: string,
) => { text: string; changes: ImageChange[] };

export type TargetKind = 'kustomization' | 'manifest' | 'helm' | 'markers';

export interface EditTarget {
  kind: TargetKind;
  /** Absolute path of the file. */
  path: string;
  /** Path relative to the repository (or the working directory), for messages and git. */
  shown: string;
  /** What the change is described by: the overlay directory, or the file itself. */
  dir: string;
  env?: string;
  editor: Editor;
}

/** A file named like a kustomization, or that reads as one, gets kustomize's own edit; other YAML is a manifest. */
export function isKustomization(file: string, text: string): boolean {
  if ((KUSTOMIZATION_FILE_NAMES as readonly string[]).includes(basename(file))) return true;
  if (/^kind:\s*["']?Kustomization["']?\s*$/m.test(text)) return true;
  // kustomize does not require `kind:`; a Kubernetes object always has one.
  return !/^kind:/m.test(text) && /^(images|resources|bases|components):/m.test(text);
}

const fileEditor: Editor = (text, settings, file) =>
  isKustomization(file, text) ? setImages(text, settings, file) : setManifestImages(text, settings, file);

export async function resolveTargets(
  root: string,
  spec: TargetSpec,
  siblings: (parent: string) => Promise<string[]>,
  options?: string,
): Promise<EditTarget[]> {
  const targets: EditTarget[] = [];
  for (const { dir, env } of spec.kustomizations) {
    const path = await findKustomization(root, dir, siblings, options);
    targets.push({ kind: 'kustomization', path, shown: shownPath(root, path), dir, env, editor: setImages });
  }
  for (const given of spec.files) {
    for (const path of await yamlFiles(root, given))
      targets.push({
        kind: 'manifest',
        path,
        shown: shownPath(root, path),
        dir: shownPath(root, path),
        editor: fileEditor,
      });
  }
  const helmTargets = spec.helm.paths.map((path) => ({ path, keys: spec.helm.keys }));
  for (const given of spec.helm.files) {
    const path = await existingFile(root, given);
    targets.push({
      kind: 'helm',
      path,
      shown: shownPath(root, path),
      dir: shownPath(root, path),
      editor: (text, settings, file) => setHelmImage(text, settings, helmTargets, file),
    });
  }
  for (const given of spec.markers) {
    for (const path of await yamlFiles(root, given))
      targets.push({
        kind: 'markers',
        path,
        shown: shownPath(root, path),
        dir: shownPath(root, path),
        editor: setMarkedImages,
      });
  }
  return withoutRepeats(targets);
}

/**
 * A file reached twice with the same edit (a directory and a file in it, or an overlay also given as
 * its kustomization file) is edited and reported once; the first target, which names the overlay, stays.
 */
function withoutRepeats(targets: readonly EditTarget[]): EditTarget[] {
  const sameEdit = (kind: TargetKind) => (kind === 'kustomization' ? 'manifest' : kind);
  const seen = new Set<string>();
  return targets.filter((target) => {
    const key = `${sameEdit(target.kind)}\0${target.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function shownPath(root: string, path: string): string {
  return relative(root, path).split('\\').join('/');
}

async function existingFile(root: string, given: string): Promise<string> {
  const path = join(root, given);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile())
    throw new BumpError(`${given} is not a file${info ? '' : ' (it does not exist)'}`, {
      hint: 'Check the path: it is relative to the repository root.',
    });
  await assertInside(root, path, given);
  return path;
}

/** The file itself, or every YAML file below a directory (sorted, so commits and messages are stable). */
async function yamlFiles(root: string, given: string): Promise<string[]> {
  const path = join(root, given);
  const info = await stat(path).catch(() => undefined);
  if (!info)
    throw new BumpError(`${given} does not exist`, { hint: 'Check the path: it is relative to the repository root.' });
  // The root itself (`--markers .` in edit) needs no check of its own: every file below it is checked.
  if (given !== '.') await assertInside(root, path, given);
  if (info.isFile()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  const files = entries
    .filter(
      (entry) =>
        entry.isFile() &&
        /\.ya?ml$/i.test(entry.name) &&
        !relative(path, join(entry.parentPath, entry.name)).split(/[\\/]/).includes('.git'),
    )
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  if (files.length === 0)
    throw new BumpError(`${given} holds no YAML files`, {
      hint: 'Point the option at a YAML file or a directory with *.yaml / *.yml files.',
    });
  for (const file of files) await assertInside(root, file, shownPath(root, file));
  return files;
}
