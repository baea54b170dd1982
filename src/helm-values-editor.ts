import { isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { BumpError, UsageError } from './errors.js';
import { describeImage, PRESERVE, type ImageSetting } from './image-arg.js';
import type { ImageChange, ImageFields } from './kustomization-editor.js';
import { splitImage } from './image-arg.js';
import { imageFields, rewriteImage } from './manifest-editor.js';
import { applyEdits, columnOf, lineBreakOf, nextLineStart, positionOf, type TextEdit } from './text-edits.js';
import { isValueScalar, keyText, parseDocuments, replaceScalar } from './yaml-documents.js';
import { renderScalar, scalarText } from './yaml-source.js';

/** Key names inside the image mapping; `full` names one key that holds the whole reference instead. */
export interface HelmImageKeys {
  repository?: string;
  tag?: string;
  digest?: string;
  full?: string;
}

/**
 * Where one image lives in a values file: `path` is dot-separated (`backend.image`, `sidecars.0.image`)
 * and leads to a mapping of repository/tag/digest keys, or straight to a full reference string.
 * `image` names the setting for this place; without it, the only setting given, or else the one whose
 * name is the repository currently written there.
 */
export interface HelmImageTarget {
  path: string;
  keys?: HelmImageKeys;
  image?: string;
}

export interface HelmImageChange extends ImageChange {
  path: string;
  line: number;
}

export interface HelmEditResult {
  text: string;
  changes: HelmImageChange[];
}

const FIELD_KEYS = [
  ['newName', 'repository'],
  ['newTag', 'tag'],
  ['digest', 'digest'],
] as const;

/**
 * Sets images in Helm values. With separate keys only the fields the setting gives are written (a
 * tag-only setting writes only the tag); a missing key is added to the mapping. A full-reference value
 * is rewritten like a manifest's `image:`. Everything else in the file stays byte for byte.
 */
export function setHelmImage(
  text: string,
  settings: readonly ImageSetting[],
  targets: HelmImageTarget | readonly HelmImageTarget[],
  file = 'values.yaml',
): HelmEditResult {
  const documents = parseDocuments(text, file);
  if (documents.length > 1) {
    throw new BumpError(`${file}: Helm values hold one YAML document, this file holds ${documents.length}`, { hint: 'Remove the extra `---` documents.' });
  }
  const root = (documents[0]?.contents ?? null) as Node | null;
  const edits: TextEdit[] = [];
  const changes: HelmImageChange[] = [];
  for (const target of ([] as HelmImageTarget[]).concat(targets)) {
    const keys = { repository: 'repository', tag: 'tag', digest: 'digest', ...target.keys };
    const node = lookup(root, target.path, file);
    const fullPath = keys.full ? `${target.path}.${keys.full}` : target.path;
    const full = keys.full ? lookup(root, fullPath, file) : node;
    if (isValueScalar(full)) {
      edits.push(...editFullReference(text, full, settings, target, fullPath, changes, file));
    } else if (isMap(node) && !keys.full && FIELD_KEYS.some(([, key]) => node.has(keys[key]))) {
      edits.push(...editImageMap(text, node, keys, settings, target, changes, file));
    } else {
      throw new BumpError(`${file}: \`${fullPath}\` is neither a mapping with ${keys.repository}, ${keys.tag} or ${keys.digest} nor an image reference`, {
        hint: 'Point the path at the mapping that holds the image keys, or at a key holding the full image reference.',
      });
    }
  }
  return { text: applyEdits(text, edits), changes };
}

function editFullReference(
  text: string,
  node: Scalar & { range: [number, number, number] },
  settings: readonly ImageSetting[],
  target: HelmImageTarget,
  path: string,
  changes: HelmImageChange[],
  file: string,
): TextEdit[] {
  const previousImage = scalarText(node) ?? '';
  const setting = settingFor(target, settings, splitImage(previousImage).name, file);
  if (!setting) return [];
  const newImage = rewriteImage(previousImage, setting);
  const line = positionOf(text, node.range[0]).line;
  const before = imageFields(previousImage);
  const after = imageFields(newImage);
  changes.push({ name: setting.name, before, after, previousImage, newImage, changed: newImage !== previousImage, path, line });
  return newImage === previousImage ? [] : [replaceScalar(text, node, newImage)];
}

function editImageMap(
  text: string,
  map: YAMLMap,
  keys: Required<Omit<HelmImageKeys, 'full'>>,
  settings: readonly ImageSetting[],
  target: HelmImageTarget,
  changes: HelmImageChange[],
  file: string,
): TextEdit[] {
  const pairOf = (key: string) => map.items.find((pair) => keyText(pair.key) === key) as Pair<Scalar, Node | null> | undefined;
  const before: ImageFields = {};
  for (const [field, key] of FIELD_KEYS) {
    const value = scalarText(pairOf(keys[key])?.value);
    if (value !== undefined && value !== '') before[field] = value;
  }
  const setting = settingFor(target, settings, before.newName, file);
  if (!setting) return [];

  const after: ImageFields = { ...before };
  const edits: TextEdit[] = [];
  const missing: [key: string, value: string][] = [];
  let insertAfter: Pair | undefined;
  for (const [field, key] of FIELD_KEYS) {
    const pair = pairOf(keys[key]);
    // Added keys go after the last image key that precedes the first missing one.
    if (pair && missing.length === 0) insertAfter = pair;
    const wanted = setting[field];
    if (wanted === undefined || wanted === PRESERVE) continue;
    after[field] = wanted;
    const value = pair?.value;
    if (pair && isValueScalar(value)) {
      if (scalarText(value) !== wanted) edits.push(replaceScalar(text, value, wanted));
    } else if (pair && (value === null || isScalar(value))) {
      edits.push(fillEmptyValue(text, pair, wanted));
    } else if (pair) {
      throw new BumpError(`${file}: \`${target.path}.${keys[key]}\` is not a single value`, { hint: `Write \`${keys[key]}:\` as a plain string.` });
    } else {
      missing.push([keys[key], wanted]);
    }
  }
  if (missing.length > 0) edits.push(insertPairs(text, map, insertAfter ?? map.items.at(-1), missing));
  const previousImage = describeImage(before.newName ?? setting.name, before);
  const newImage = describeImage(after.newName ?? setting.name, after);
  const line = positionOf(text, map.range![0]).line;
  changes.push({ name: setting.name, before, after, previousImage, newImage, changed: edits.length > 0, path: target.path, line });
  return edits;
}

function settingFor(target: HelmImageTarget, settings: readonly ImageSetting[], currentName: string | undefined, file: string): ImageSetting | undefined {
  if (target.image !== undefined) return settings.find((setting) => setting.name === target.image);
  if (settings.length <= 1) return settings[0];
  const byName = settings.find((setting) => setting.name === currentName);
  if (byName) return byName;
  throw new UsageError(`${file}: several images are given and none is named for \`${target.path}\``, {
    hint: `Name the image for this path, or use the repository written there (${currentName ?? 'none'}) as the image name.`,
  });
}

/** Follows a dot-separated path through mappings (and list indexes); a missing step is a BumpError. */
function lookup(root: Node | null, path: string, file: string): Node | null {
  let node = root;
  const segments = path.split('.');
  for (const [index, segment] of segments.entries()) {
    let next: Node | null | undefined;
    if (isMap(node)) next = node.items.find((pair) => keyText(pair.key) === segment)?.value as Node | null | undefined;
    else if (isSeq(node) && /^\d+$/.test(segment)) next = node.items[Number(segment)] as Node | undefined;
    if (next === undefined) throw missingPath(path, segments.slice(0, index), segment, node, root, file);
    node = next;
  }
  return node;
}

function missingPath(path: string, parents: string[], segment: string, parent: Node | null, root: Node | null, file: string): BumpError {
  const keysOf = (node: Node | null) => (isMap(node) ? node.items.map((pair) => keyText(pair.key) ?? '?') : []);
  const topLevel = keysOf(root);
  const where = parents.length === 0 ? `there is no top-level key \`${segment}\`` : `\`${parents.join('.')}\` has no \`${segment}\` (it has: ${keysOf(parent).join(', ') || 'nothing'})`;
  const listed = topLevel.length > 0 ? `top-level keys: ${topLevel.join(', ')}` : 'the file has no top-level keys';
  return new BumpError(`${file}: \`${path}\` not found: ${where}; ${listed}`, {
    hint: 'Give the path as dot-separated keys from the top of the values file, e.g. `backend.image`.',
  });
}

/** `tag:` or `tag: ~`: the value goes right after the colon. */
function fillEmptyValue(text: string, pair: Pair<Scalar, Node | null>, value: string): TextEdit {
  const colon = text.indexOf(':', pair.key.range![1]);
  const range = pair.value?.range;
  const end = range && range[1] > range[0] ? range[1] : colon + 1;
  return { start: colon + 1, end, text: ` ${renderScalar(value)}` };
}

function insertPairs(text: string, map: YAMLMap, after: Pair | undefined, pairs: readonly [key: string, value: string][]): TextEdit {
  const rendered = pairs.map(([key, value]) => `${key}: ${renderScalar(value)}`);
  const last = after?.value as Node | null | undefined;
  const end = last?.range?.[1] ?? (after?.key as Node | undefined)?.range?.[1];
  if (map.flow) {
    if (end === undefined) {
      const open = text.indexOf('{', map.range![0]);
      return { start: open + 1, end: open + 1, text: rendered.join(', ') };
    }
    return { start: end, end, text: rendered.map((pair) => `, ${pair}`).join('') };
  }
  const eol = lineBreakOf(text);
  const indent = ' '.repeat(columnOf(text, (map.items[0]!.key as Node).range![0]));
  const at = text[end! - 1] === '\n' ? end! : nextLineStart(text, end!);
  const needsBreak = at === text.length && !text.endsWith('\n');
  return { start: at, end: at, text: `${needsBreak ? eol : ''}${rendered.map((pair) => `${indent}${pair}${eol}`).join('')}` };
}
