import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, isScalar, parseAllDocuments, type Scalar } from 'yaml';
import { BumpError } from '../../src/failures/errors.js';
import { parseImageArgs, type ImageSetting } from '../../src/image/image-arg.js';
import { setMarkedImages } from '../../src/yaml/marker-editor.js';
import {
  cloneTree,
  differenceOutside,
  digest,
  imageArg,
  imageName,
  randomSource,
  reference,
  renderFile,
  setAt,
  styleDocument,
  tag,
  writtenNodeAt,
} from '../support/yaml-shapes.js';
import { rewriteReference } from '../support/image-model.js';

type Path = (string | number)[];
type Part = 'full' | 'name' | 'tag' | 'digest';

// ---- The generator: documents with some values marked `# image-bump: <name>[:part]`. ----

const markedValue = fc.oneof(
  fc.record({ part: fc.constant<Part>('full'), value: fc.oneof(reference, fc.constant('')) }),
  fc.record({ part: fc.constant<Part>('name'), value: imageName }),
  fc.record({ part: fc.constant<Part>('tag'), value: fc.oneof(tag, fc.constant('')) }),
  fc.record({ part: fc.constant<Part>('digest'), value: fc.oneof(digest, fc.constant('')) }),
);
const slot = fc.option(fc.record({ marker: imageName, marked: markedValue }), { nil: undefined, freq: 2 });

const markedDocument = fc.record({
  slots: fc.array(slot, { minLength: 4, maxLength: 4 }),
  kind: fc.constantFrom('HelmRelease', 'ConfigMap'),
});

const markerFile = fc.record({
  documents: fc.array(markedDocument, { minLength: 1, maxLength: 2 }),
  seed: fc.integer(),
  args: fc.array(imageArg, { minLength: 1, maxLength: 3 }),
});

type MarkerFile = typeof markerFile extends fc.Arbitrary<infer T> ? T : never;
interface Marker {
  document: number;
  path: Path;
  name: string;
  part: Part;
}

/** Four places a marked value can sit: nested mapping values, a list item, a top-level value. */
const SLOT_PATHS: Path[] = [
  ['spec', 'values', 'image'],
  ['spec', 'values', 'split', 'tag'],
  ['spec', 'args', 1],
  ['note'],
];

function build(file: MarkerFile): { text: string; markers: Marker[] } {
  const random = randomSource(file.seed);
  const markers: Marker[] = [];
  const docs = file.documents.map(({ slots, kind }, document) => {
    const values = {
      apiVersion: 'v1',
      kind,
      note: 'plain note',
      spec: {
        values: { image: 'unmarked/app:1', split: { repository: 'unmarked/app', tag: '1' } },
        args: ['--verbose', 'unmarked', 'last'],
      },
    };
    const marked = new Map<string, string>();
    slots.forEach((slotValue, index) => {
      if (!slotValue) return;
      setAt(values, SLOT_PATHS[index]!, slotValue.marked.value);
      const suffix = slotValue.marked.part === 'full' ? '' : `:${slotValue.marked.part}`;
      marked.set(JSON.stringify(SLOT_PATHS[index]), ` image-bump: ${slotValue.marker}${suffix}`);
      markers.push({ document, path: SLOT_PATHS[index]!, name: slotValue.marker, part: slotValue.marked.part });
    });
    const doc = new Document(values);
    for (const [path, comment] of marked) (doc.getIn(JSON.parse(path) as Path, true) as Scalar).comment = comment;
    // No flow collections: a comment in one goes after the comma, where it is not a marker.
    styleDocument(doc, random, {
      flow: 0,
      comments: 0.2,
      blockScalars: 0.1,
      aliases: 0.15,
      keep: (node) => node.comment?.startsWith(' image-bump') ?? false,
    });
    return doc;
  });
  return { text: renderFile(docs, random), markers };
}

const FIELD = { name: 'newName', tag: 'newTag', digest: 'digest' } as const;

/** The model: a marked full reference is rewritten like an image (its marker name standing in when empty); a part only when the image gives it (a digest also for a new tag alone). */
function newValue(marker: Marker, current: string, settings: readonly ImageSetting[]): string {
  const setting = settings.find((candidate) => candidate.name === marker.name);
  if (!setting) return current;
  if (marker.part === 'full') return rewriteReference(current || setting.name, setting);
  // A new tag alone empties a marked digest, as it drops the digest of a full reference.
  if (
    marker.part === 'digest' &&
    setting.newTag !== undefined &&
    setting.newTag !== '*' &&
    setting.digest === undefined
  )
    return '';
  return setting[FIELD[marker.part]] ?? current;
}

function check(file: MarkerFile): void {
  const { text, markers } = build(file);
  const settings = parseImageArgs(file.args);
  const before = parseAllDocuments(text);
  fc.pre(before.every((doc) => doc.errors.length === 0));
  const changes = markers.flatMap((marker) => {
    const current = String(before[marker.document]!.getIn(marker.path));
    const value = newValue(marker, current, settings);
    return value === current ? [] : [{ ...marker, value }];
  });
  let result: ReturnType<typeof setMarkedImages>;
  try {
    result = setMarkedImages(text, settings, 'apps/web.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(BumpError);
    expect((error as BumpError).exitCode).toBe(1);
    expect((error as Error).message).toMatch(/shares its value with .* changing one would change the other/);
    // Right only when a value to change carries an anchor (that an alias repeats).
    expect(
      changes.some((change) => (writtenNodeAt(before[change.document]!, change.path) as Scalar).anchor !== undefined),
    ).toBe(true);
    return;
  }
  expect(result.placesChanged).toBe(changes.length);
  const after = parseAllDocuments(result.text);
  expect(after.flatMap((doc) => [...doc.errors, ...doc.warnings])).toEqual([]);
  expect(after).toHaveLength(before.length);
  const yaml11 = parseAllDocuments(result.text, { version: '1.1' });
  before.forEach((doc, index) => {
    const wanted = cloneTree(doc.toJS());
    for (const change of changes.filter((candidate) => candidate.document === index))
      setAt(wanted, change.path, change.value);
    expect(cloneTree(after[index]!.toJS())).toEqual(wanted);
    for (const change of changes.filter((candidate) => candidate.document === index))
      expect(yaml11[index]!.getIn(change.path)).toBe(change.value);
  });
  const replaced = changes.map((change) => {
    const written = writtenNodeAt(before[change.document]!, change.path)!;
    expect(isScalar(written)).toBe(true);
    return { range: [written.range![0], written.range![1]] as [number, number], value: change.value };
  });
  expect(differenceOutside(text, result.text, replaced)).toBeUndefined();
}

describe('setMarkedImages: properties', () => {
  it('rewrites exactly the marked values of the images given, YAML 1.1-safe, and no other byte', () => {
    fc.assert(fc.property(markerFile, check), { numRuns: Number(process.env.RUNS ?? 300) });
  });
});
