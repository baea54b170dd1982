import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Alias,
  type Document,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { BumpError, UsageError } from '../failures/errors.js';
import { describeImage, PRESERVE, type ImageSetting } from '../image/image-arg.js';
import type { ImageChange, ImageFields } from '../image/image-change.js';
import { splitImage } from '../image/image-arg.js';
import { imageFields, rewriteImage } from './manifest-editor.js';
import { fillEmptyValue, insertPairs } from './pair-edits.js';
import { applyEditsOf, assertOnlyIntendedChanges, type IntendedValue } from './edit-postcondition.js';
import { renderPlainSafe } from './scalar-rewrite.js';
import { positionOf, type TextEdit } from './text-edits.js';
import { planValueEdits, type ValueChange } from './value-edits.js';
import { isValueScalar, keyText, parseDocuments } from './documents.js';
import { assertNotSharedElsewhere, type ValuePath } from './node-occurrences.js';
import { scalarText } from './source.js';

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
 * tag-only setting writes only the tag), except that a new tag empties a digest; a missing key is added to the mapping (also when a `<<` merge
 * key supplies it: the written key overrides). A full-reference value is rewritten like a manifest's
 * `image:`. An alias on the way is followed; an alias value is replaced in its own place, and a value or
 * mapping an alias shares with another place is refused. Everything else in the file stays byte for
 * byte, which a postcondition checks before the text is returned.
 */
export function setHelmImage(
  text: string,
  settings: readonly ImageSetting[],
  targets: HelmImageTarget | readonly HelmImageTarget[],
  file = 'values.yaml',
): HelmEditResult {
  const documents = parseDocuments(text, file);
  if (documents.length > 1) {
    throw new BumpError(`${file}: Helm values hold one YAML document, this file holds ${documents.length}`, {
      hint: 'Remove the extra `---` documents.',
    });
  }
  const doc = documents[0];
  const root = (doc?.contents ?? null) as Node | null;
  const edit: HelmEdit = { doc: doc!, text, file, values: [], edits: [], intended: [] };
  const changes: HelmImageChange[] = [];
  // The same place given twice is one target, not two edits of one value.
  const unique = new Map(
    ([] as HelmImageTarget[])
      .concat(targets)
      .map((target) => [JSON.stringify([target.path, target.keys ?? {}, target.image]), target]),
  );
  for (const target of unique.values()) {
    const keys = { repository: 'repository', tag: 'tag', digest: 'digest', ...target.keys };
    const place = lookup(doc, root, target.path, file);
    const fullPath = keys.full ? `${target.path}.${keys.full}` : target.path;
    const full = keys.full ? lookup(doc, root, fullPath, file) : place;
    if (isValueScalar(full.node)) {
      editFullReference(
        edit,
        full as Place<Scalar & { range: [number, number, number] }>,
        settings,
        target,
        fullPath,
        changes,
      );
    } else if (isMap(place.node) && !keys.full && hasImageKeys(doc!, place.node, keys)) {
      editImageMap(edit, place as Place<YAMLMap>, keys, settings, target, changes);
    } else {
      throw new BumpError(
        `${file}: \`${fullPath}\` is neither a mapping with ${keys.repository}, ${keys.tag} or ${keys.digest} nor an image reference`,
        {
          hint: 'Point the path at the mapping that holds the image keys, or at a key holding the full image reference.',
        },
      );
    }
  }
  if (edit.values.length === 0 && edit.edits.length === 0) return { text, changes };
  const result = applyEditsOf(file, text, [
    ...edit.edits,
    ...(doc ? planValueEdits(doc, text, file, edit.values) : []),
  ]);
  assertOnlyIntendedChanges(file, text, result, [
    ...edit.intended,
    ...edit.values.map(({ keys, value }) => ({ document: 0, path: keys, value })),
  ]);
  return { text: result, changes };
}

/** What the targets of one run add up to: scalars to rewrite, text edits for empty or missing keys, and what those mean. */
interface HelmEdit {
  doc: Document.Parsed;
  text: string;
  file: string;
  values: ValueChange[];
  edits: TextEdit[];
  intended: IntendedValue[];
}

/** A node reached by a path (aliases followed), the alias or node written there, and the path as steps. */
interface Place<N = Node | null> {
  node: N;
  written: Node | null;
  keys: ValuePath;
}

function editFullReference(
  edit: HelmEdit,
  place: Place<Scalar & { range: [number, number, number] }>,
  settings: readonly ImageSetting[],
  target: HelmImageTarget,
  path: string,
  changes: HelmImageChange[],
): void {
  const previousImage = scalarText(place.node) ?? '';
  const setting = settingFor(target, settings, splitImage(previousImage).name, edit.file);
  if (!setting) return;
  const newImage = rewriteImage(previousImage, setting);
  const line = positionOf(edit.text, (place.written ?? place.node).range![0]).line;
  const before = imageFields(previousImage);
  const after = imageFields(newImage);
  changes.push({
    name: setting.name,
    before,
    after,
    previousImage,
    newImage,
    changed: newImage !== previousImage,
    path,
    line,
  });
  if (newImage !== previousImage)
    edit.values.push({ node: place.node, edit: place.written as Scalar | Alias, keys: place.keys, value: newImage });
}

function editImageMap(
  edit: HelmEdit,
  place: Place<YAMLMap>,
  keys: Required<Omit<HelmImageKeys, 'full'>>,
  settings: readonly ImageSetting[],
  target: HelmImageTarget,
  changes: HelmImageChange[],
): void {
  const { doc, text, file } = edit;
  const map = place.node;
  const pairOf = (key: string) =>
    map.items.find((pair) => keyText(pair.key) === key) as Pair<Scalar, Node | null> | undefined;
  const valueOf = (key: string) => resolveAlias(doc, pairOf(key)?.value ?? null);
  // What a `<<: *defaults` merge key supplies counts for the current image; a key written here overrides it.
  const mergedValueOf = (key: string) => {
    const from = mergedMaps(doc, map).find((merged) => merged.has(key));
    return from ? resolveAlias(doc, from.items.find((pair) => keyText(pair.key) === key)!.value as Node | null) : null;
  };
  const before: ImageFields = {};
  for (const [field, key] of FIELD_KEYS) {
    const value = scalarText(pairOf(keys[key]) ? valueOf(keys[key]) : mergedValueOf(keys[key]));
    if (value !== undefined && value !== '') before[field] = value;
  }
  const setting = settingFor(target, settings, before.newName, file);
  if (!setting) return;

  const after: ImageFields = { ...before };
  let changed = false;
  const missing: [key: string, value: string][] = [];
  const mapEdits: TextEdit[] = [];
  let insertAfter: Pair | undefined;
  for (const [field, key] of FIELD_KEYS) {
    const pair = pairOf(keys[key]);
    // Added keys go after the last image key that precedes the first missing one.
    if (pair && missing.length === 0) insertAfter = pair;
    const wanted = clearsDigest(field, setting, before) ? '' : setting[field];
    if (wanted === undefined || wanted === PRESERVE) continue;
    if (wanted === '') delete after[field];
    else after[field] = wanted;
    const value = valueOf(keys[key]);
    const path = [...place.keys, keys[key]];
    if (pair && isValueScalar(value)) {
      if (scalarText(value) === wanted) continue;
      edit.values.push({ node: value, edit: pair.value as Scalar | Alias, keys: path, value: wanted });
    } else if (pair && !isAlias(pair.value) && (value === null || isScalar(value))) {
      mapEdits.push(fillEmptyValue(text, pair, renderPlainSafe(wanted)));
      edit.intended.push({ document: 0, path, value: wanted });
    } else if (pair) {
      throw new BumpError(`${file}: \`${target.path}.${keys[key]}\` is not a single value`, {
        hint: `Write \`${keys[key]}:\` as a plain string.`,
      });
    } else {
      missing.push([keys[key], wanted]);
      edit.intended.push({ document: 0, path, value: wanted });
    }
    changed = true;
  }
  if (missing.length > 0)
    mapEdits.push(
      insertPairs(
        text,
        map,
        insertAfter ?? map.items.at(-1),
        missing.map(([key, value]) => `${key}: ${renderPlainSafe(value)}`),
      ),
    );
  // A key filled in or added to a mapping that an alias shares would appear under the alias too.
  if (mapEdits.length > 0) assertNotSharedElsewhere(doc, text, file, [{ node: map, paths: [place.keys] }]);
  edit.edits.push(...joinedAtSameOffset(mapEdits));
  const previousImage = describeImage(before.newName ?? setting.name, before);
  const newImage = describeImage(after.newName ?? setting.name, after);
  const line = positionOf(text, (place.written ?? map).range![0]).line;
  changes.push({ name: setting.name, before, after, previousImage, newImage, changed, path: target.path, line });
}

/**
 * A new tag without a digest empties the digest written there: charts render `repository@digest` when a
 * digest is set, so the old digest would keep deploying the old image (kustomize's set-image and image
 * transformer drop the digest for a new tag too). The key stays, as `digest: ""`.
 */
function clearsDigest(field: (typeof FIELD_KEYS)[number][0], setting: ImageSetting, before: ImageFields): boolean {
  return (
    field === 'digest' &&
    setting.digest === undefined &&
    setting.newTag !== undefined &&
    setting.newTag !== PRESERVE &&
    before.digest !== undefined
  );
}

/**
 * An added key that goes right after a value being filled in (`{tag:, …}`) starts where the fill does;
 * two edits at one offset would be applied in either order, so they become one, fill first.
 */
function joinedAtSameOffset(edits: readonly TextEdit[]): TextEdit[] {
  const joined: TextEdit[] = [];
  for (const edit of edits) {
    const same = joined.find((other) => other.start === edit.start);
    if (same) Object.assign(same, { end: Math.max(same.end, edit.end), text: same.text + edit.text });
    else joined.push({ ...edit });
  }
  return joined;
}

function hasImageKeys(doc: Document.Parsed, map: YAMLMap, keys: Required<Omit<HelmImageKeys, 'full'>>): boolean {
  return FIELD_KEYS.some(([, key]) => [map, ...mergedMaps(doc, map)].some((source) => source.has(keys[key])));
}

/** The mappings a `<<` merge key of `map` pulls in (YAML 1.1 merge, which Helm's reader applies), in order. */
function mergedMaps(doc: Document.Parsed, map: YAMLMap): YAMLMap[] {
  const merge = map.items.find((pair) => keyText(pair.key) === '<<')?.value as Node | null | undefined;
  const sources = isSeq(merge) ? (merge.items as Node[]) : merge ? [merge] : [];
  return sources.map((source) => resolveAlias(doc, source)).filter((source): source is YAMLMap => isMap(source));
}

function resolveAlias(doc: Document.Parsed, node: Node | null): Node | null {
  return isAlias(node) ? ((node.resolve(doc) as Node | undefined) ?? null) : node;
}

function settingFor(
  target: HelmImageTarget,
  settings: readonly ImageSetting[],
  currentName: string | undefined,
  file: string,
): ImageSetting | undefined {
  if (target.image !== undefined) return settings.find((setting) => setting.name === target.image);
  if (settings.length <= 1) return settings[0];
  const byName = settings.find((setting) => setting.name === currentName);
  if (byName) return byName;
  throw new UsageError(`${file}: several images are given and none is named for \`${target.path}\``, {
    hint: `Name the image for this path, or use the repository written there (${currentName ?? 'none'}) as the image name.`,
  });
}

/** Follows a dot-separated path through mappings (and list indexes), aliases included; a missing step is a BumpError. */
function lookup(doc: Document.Parsed | undefined, root: Node | null, path: string, file: string): Place {
  let place: Place = { node: root, written: root, keys: [] };
  const segments = path.split('.');
  for (const [index, segment] of segments.entries()) {
    const node = place.node;
    let next: Node | null | undefined;
    let step: string | number = segment;
    if (isMap(node)) next = node.items.find((pair) => keyText(pair.key) === segment)?.value as Node | null | undefined;
    else if (isSeq(node) && /^\d+$/.test(segment)) next = node.items[(step = Number(segment))] as Node | undefined;
    if (next === undefined) throw missingPath(path, segments.slice(0, index), segment, node, root, file);
    place = { node: doc ? resolveAlias(doc, next) : next, written: next, keys: [...place.keys, step] };
  }
  return place;
}

function missingPath(
  path: string,
  parents: string[],
  segment: string,
  parent: Node | null,
  root: Node | null,
  file: string,
): BumpError {
  const keysOf = (node: Node | null) => (isMap(node) ? node.items.map((pair) => keyText(pair.key) ?? '?') : []);
  const topLevel = keysOf(root);
  const where =
    parents.length === 0
      ? `there is no top-level key \`${segment}\``
      : `\`${parents.join('.')}\` has no \`${segment}\` (it has: ${keysOf(parent).join(', ') || 'nothing'})`;
  const listed = topLevel.length > 0 ? `top-level keys: ${topLevel.join(', ')}` : 'the file has no top-level keys';
  return new BumpError(`${file}: \`${path}\` not found: ${where}; ${listed}`, {
    hint: 'Give the path as dot-separated keys from the top of the values file, e.g. `backend.image`.',
  });
}

/** `tag:` or `tag: ~`: the value goes right after the colon. */
