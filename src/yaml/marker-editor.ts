import { visit, type Alias, type Document, type Scalar } from 'yaml';
import { BumpError } from '../failures/errors.js';
import { describeImage, PRESERVE, type ImageSetting } from '../image/image-arg.js';
import type { ImageChange, ImageFields } from '../image/image-change.js';
import { imageFields, rewriteImage } from './manifest-editor.js';
import { applyEditsOf, assertOnlyIntendedChanges } from './edit-postcondition.js';
import { positionOf } from './text-edits.js';
import { planValueEdits } from './value-edits.js';
import { isBlockScalar, isValueScalar, parseDocuments } from './documents.js';
import { nodeOccurrences, type ValuePath } from './node-occurrences.js';
import { scalarText } from './source.js';

/** What a marked scalar holds: the whole reference, or one part of it. */
export type MarkerPart = 'full' | 'name' | 'tag' | 'digest';

/** `value: x  # image-bump: <name>[:name|:tag|:digest]`; `line` is 1-based. */
export interface ImageMarker {
  name: string;
  part: MarkerPart;
  line: number;
  value: string;
}

export interface MarkerImageChange extends ImageChange {
  part: MarkerPart;
  line: number;
}

export interface MarkerEditResult {
  text: string;
  changes: MarkerImageChange[];
  /** How many marked scalars now hold a different value. */
  placesChanged: number;
}

const MARKER = /^[ \t]+#[ \t]*image-bump[ \t]*:[ \t]*(\S+?)(?:[ \t]*:[ \t]*(name|tag|digest))?[ \t]*\r?$/;

const PART_FIELD = { name: 'newName', tag: 'newTag', digest: 'digest' } as const;

interface MarkedScalar extends ImageMarker {
  node: Scalar & { range: [number, number, number] };
  /** The scalar, or the alias standing for it, that the marker follows. */
  edit: Scalar | Alias;
  document: number;
  /** Where the scalar is written (not where an alias repeats it). */
  keys: ValuePath;
}

function markedScalars(text: string, file: string): { documents: Document.Parsed[]; found: MarkedScalar[] } {
  const found: MarkedScalar[] = [];
  const documents = parseDocuments(text, file);
  for (const [document, doc] of documents.entries()) {
    const occurrences = nodeOccurrences(doc);
    const markerAfter = (written: Scalar | Alias, node: unknown) => {
      // A block scalar's range ends on a later line than its header, where a comment would sit.
      if (!isValueScalar(node) || isBlockScalar(node)) return;
      const end = written.range![1];
      const lineEnd = text.indexOf('\n', end);
      const match = MARKER.exec(text.slice(end, lineEnd < 0 ? text.length : lineEnd));
      if (!match) return;
      const part = (match[2] ?? 'full') as MarkerPart;
      const keys = occurrences.get(written)?.find((occurrence) => occurrence.via === undefined)?.path ?? [];
      const line = positionOf(text, written.range![0]).line;
      found.push({ name: match[1]!, part, line, value: scalarText(node) ?? '', node, edit: written, document, keys });
    };
    visit(doc, {
      Scalar: (_key, node) => markerAfter(node, node),
      // `tag: *version # image-bump: web:tag` marks this place only: the alias is replaced, the anchor kept.
      Alias: (_key, node) => markerAfter(node, node.resolve(doc)),
    });
  }
  return { documents, found };
}

/** Every `# image-bump:` marker that follows a scalar, in source order. Malformed YAML is a BumpError. */
export function findMarkers(text: string, file = 'file.yaml'): ImageMarker[] {
  return markedScalars(text, file).found.map(
    ({ node: _node, edit: _edit, document: _document, keys: _keys, ...marker }) => marker,
  );
}

/** Fails, naming every image that has no marker in `where` (e.g. a directory), given the marker names found there. */
export function assertImagesMarked(
  settings: readonly ImageSetting[],
  markerNames: Iterable<string>,
  where: string,
): void {
  const found = new Set(markerNames);
  const missing = settings.map((setting) => setting.name).filter((name) => !found.has(name));
  if (missing.length === 0) return;
  const list = missing.map((name) => `\`# image-bump: ${name}\``).join(', ');
  throw new BumpError(`${where}: no ${list} marker found`, {
    hint: `Put the marker after the value to update, e.g. \`image: registry.example.com/app:1.0.0 # image-bump: ${missing[0]}\` (or \`:tag\`, \`:name\`, \`:digest\` after the name for a value holding only that part).`,
  });
}

function partFields(part: Exclude<MarkerPart, 'full'>, value: string): ImageFields {
  return value === '' ? {} : { [PART_FIELD[part]]: value };
}

/**
 * A new tag that comes without a digest empties a `:digest` value, as it drops the digest of a full
 * reference: whatever joins the parts would otherwise keep pulling the old digest.
 */
function newTagWithoutDigest(setting: ImageSetting): boolean {
  return setting.digest === undefined && setting.newTag !== undefined && setting.newTag !== PRESERVE;
}

/**
 * Rewrites every scalar marked with a setting's name: a full reference the way kustomize rewrites an
 * image (a new tag alone drops the digest); a `:name`, `:tag` or `:digest` scalar only when the setting
 * gives that part, except that a new tag alone empties a `:digest` scalar too. Settings apply in order; each marked scalar written gets a change entry.
 */
export function setMarkedImages(text: string, settings: readonly ImageSetting[], file = 'file.yaml'): MarkerEditResult {
  const { documents, found: markers } = markedScalars(text, file);
  const current = new Map(markers.map((marker) => [marker, marker.value] as const));
  const changes: MarkerImageChange[] = [];
  for (const setting of settings) {
    for (const marker of markers) {
      if (marker.name !== setting.name) continue;
      const previous = current.get(marker)!;
      let next: string;
      let before: ImageFields;
      let after: ImageFields;
      if (marker.part === 'full') {
        // An empty marked value has no name to keep: the marker's name stands in for it.
        next = rewriteImage(previous || setting.name, setting);
        before = imageFields(previous);
        after = imageFields(next);
      } else {
        const wanted = marker.part === 'digest' && newTagWithoutDigest(setting) ? '' : setting[PART_FIELD[marker.part]];
        if (wanted === undefined || wanted === PRESERVE || (wanted === '' && previous === '')) continue;
        next = wanted;
        before = partFields(marker.part, previous);
        after = partFields(marker.part, next);
      }
      current.set(marker, next);
      const previousImage = marker.part === 'full' ? previous : describeImage(setting.name, before);
      const newImage = marker.part === 'full' ? next : describeImage(setting.name, after);
      changes.push({
        name: setting.name,
        before,
        after,
        previousImage,
        newImage,
        changed: next !== previous,
        part: marker.part,
        line: marker.line,
      });
    }
  }
  const changed = markers.filter((marker) => current.get(marker) !== marker.value);
  const edits = documents.flatMap((doc, document) =>
    planValueEdits(
      doc,
      text,
      file,
      changed
        .filter((marker) => marker.document === document)
        .map((marker) => ({ node: marker.node, edit: marker.edit, keys: marker.keys, value: current.get(marker)! })),
    ),
  );
  const result = applyEditsOf(file, text, edits);
  assertOnlyIntendedChanges(
    file,
    text,
    result,
    changed.map((marker) => ({ document: marker.document, path: marker.keys, value: current.get(marker)! })),
  );
  return { text: result, changes, placesChanged: changed.length };
}
