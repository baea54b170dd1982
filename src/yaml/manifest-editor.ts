import type { Node } from 'yaml';
import { BumpError } from '../failures/errors.js';
import { PRESERVE, splitImage, type ImageParts, type ImageSetting } from '../image/image-arg.js';
import type { ImageChange, ImageFields } from '../image/image-change.js';
import { applyEditsOf, assertOnlyIntendedChanges } from './edit-postcondition.js';
import { positionOf, type TextEdit } from './text-edits.js';
import { parseDocuments } from './documents.js';
import { imageFieldsOf } from './image-fields.js';
import { planValueEdits } from './value-edits.js';
import { scalarText } from './source.js';

/** One image field one setting matched; `path` is like `spec.template.spec.containers[0].image`, `line` is 1-based. */
export interface ManifestImageChange extends ImageChange {
  path: string;
  line: number;
}

export interface ManifestEditResult {
  text: string;
  changes: ManifestImageChange[];
}

export function joinImage({ name, tag, digest }: ImageParts): string {
  return name + (tag ? `:${tag}` : '') + (digest ? `@${digest}` : '');
}

/**
 * kustomize's IsImageMatched: the whole name, then at most a tag and a digest. kustomize pastes the name
 * into the pattern unescaped; here it is matched literally, so a "." in a registry matches only a ".".
 */
export function matchesImageName(reference: string, name: string): boolean {
  const literal = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${literal}(:[a-zA-Z0-9_.{}-]*)?(@[a-zA-Z][a-zA-Z0-9]*:[a-zA-Z0-9_.{}-]*)?$`).test(reference);
}

/** A setting's field, with PRESERVE standing for the current value; '' when not given. */
function given(value: string | undefined, current: string): string {
  return value === PRESERVE ? current : (value ?? '');
}

/**
 * kustomize's image transformer on one reference: newName replaces the name and keeps tag and digest;
 * a new tag alone drops the digest, a new digest alone drops the tag, both set both.
 */
export function rewriteImage(reference: string, setting: ImageSetting): string {
  const current = splitImage(reference);
  const name = given(setting.newName, current.name) || current.name;
  const tag = given(setting.newTag, current.tag);
  const digest = given(setting.digest, current.digest);
  if (tag && digest) return joinImage({ name, tag, digest });
  if (tag) return joinImage({ name, tag, digest: '' });
  if (digest) return joinImage({ name, tag: '', digest });
  return joinImage({ ...current, name });
}

/** A reference as the `before`/`after` fields of an ImageChange: the name is reported as `newName`. */
export function imageFields(reference: string): ImageFields {
  const { name, tag, digest } = splitImage(reference);
  const fields: ImageFields = { newName: name };
  if (tag) fields.newTag = tag;
  if (digest) fields.digest = digest;
  return fields;
}

/**
 * What kustomize's `images:` transformer would do to plain manifests, written back into the source:
 * only the changed scalars are replaced, so comments, quoting, line endings and every other document
 * stay byte for byte. Settings apply in order, each to what the previous ones left (as kustomize chains
 * one transformer per `images:` entry). Every matched field gets a change entry, changed or not.
 * A value shared through an anchor with a place that is not an image field is refused, and so is an
 * image a container takes from a `<<` merge key; an alias standing for an image is replaced by the new
 * image in its own place only. A postcondition checks the new text before it is returned.
 */
export function setManifestImages(
  text: string,
  settings: readonly ImageSetting[],
  file = 'manifest.yaml',
): ManifestEditResult {
  const documents = parseDocuments(text, file);
  const fields = documents.flatMap((doc, document) => imageFieldsOf(doc).map((field) => ({ ...field, document })));
  const current = new Map(fields.map((field) => [field, scalarText(field.node) ?? ''] as const));
  const changes: ManifestImageChange[] = [];
  for (const setting of settings) {
    for (const field of fields) {
      const previousImage = current.get(field)!;
      if (!matchesImageName(previousImage, setting.name)) continue;
      const newImage = rewriteImage(previousImage, setting);
      current.set(field, newImage);
      changes.push({
        name: setting.name,
        before: imageFields(previousImage),
        after: imageFields(newImage),
        previousImage,
        newImage,
        changed: newImage !== previousImage,
        path: field.path,
        line: positionOf(text, field.edit.range![0]).line,
      });
    }
  }
  const changed = fields.filter((field) => current.get(field) !== scalarText(field.node));
  const merged = changed.find((field) => field.mergedFrom);
  if (merged) throw mergedImageError(text, file, merged.path, merged.mergedFrom!);
  const edits: TextEdit[] = documents.flatMap((doc, document) =>
    planValueEdits(
      doc,
      text,
      file,
      changed.filter((field) => field.document === document).map((field) => ({ ...field, value: current.get(field)! })),
    ),
  );
  const result = applyEditsOf(file, text, edits);
  assertOnlyIntendedChanges(
    file,
    text,
    result,
    changed.map((field) => ({ document: field.document, path: field.keys, value: current.get(field)! })),
  );
  return { text: result, changes };
}

function mergedImageError(text: string, file: string, path: string, mergedFrom: Node): BumpError {
  const line = positionOf(text, mergedFrom.range![0]).line;
  return new BumpError(
    `${file}:${line}: \`${path}\` comes from the merge key \`<<\` on line ${line}: changing it where it is written would change every mapping that merges it`,
    { hint: 'Write `image:` in the container itself (it overrides the merged one), then run again.' },
  );
}
