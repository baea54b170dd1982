import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, parseAllDocuments, parseDocument } from 'yaml';
import { BumpError } from '../../src/failures/errors.js';
import { parseImageArgs, type ImageSetting } from '../../src/image/image-arg.js';
import { setHelmImage, type HelmImageTarget } from '../../src/yaml/helm-values-editor.js';
import {
  cloneTree,
  digest,
  imageArg,
  imageName,
  linesOf,
  lostLine,
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

const KEY_OF = { newName: 'repository', newTag: 'tag', digest: 'digest' } as const;

// ---- The generator: a values file with one image, as a mapping of keys or as one reference. ----

const emptyValue = fc.constantFrom(null, '');
const imageMap = fc
  .record(
    {
      repository: imageName,
      tag: fc.oneof(tag, emptyValue),
      digest: fc.oneof(digest, emptyValue),
      pullPolicy: fc.constant('IfNotPresent'),
    },
    { requiredKeys: [] },
  )
  .filter((map) => 'repository' in map || 'tag' in map || 'digest' in map)
  .chain((map) =>
    fc
      .shuffledSubarray(Object.keys(map), { minLength: Object.keys(map).length })
      .map((order) => Object.fromEntries(order.map((key) => [key, map[key as keyof typeof map]]))),
  );

/** Where the image sits: the path given to the editor, and the steps to it in the parsed values. */
const placement = fc.constantFrom(
  { path: 'image', steps: ['image'] as Path, full: false },
  { path: 'backend.image', steps: ['backend', 'image'] as Path, full: false },
  { path: 'sidecars.1.image', steps: ['sidecars', 1, 'image'] as Path, full: false },
  { path: 'app', steps: ['app', 'image'] as Path, full: true },
  { path: 'sidecars.1.image', steps: ['sidecars', 1, 'image'] as Path, full: true },
);

const valuesFile = fc.record({
  placement,
  map: imageMap,
  reference,
  seed: fc.integer(),
  arg: imageArg,
  merge: fc.boolean(),
});

type ValuesFile = typeof valuesFile extends fc.Arbitrary<infer T> ? T : never;

function valuesOf(file: ValuesFile): Record<string, unknown> {
  const { placement: where, map, reference: ref } = file;
  const values: Record<string, unknown> = {
    replicaCount: 2,
    app: { name: 'web', image: 'other.example.com/unrelated:1' },
    backend: { resources: {}, image: { repository: 'other.example.com/backend', tag: '1.0' } },
    sidecars: [{ name: 'proxy', image: 'envoy:1' }, { name: 'log' }],
  };
  let image: unknown = where.full ? ref : map;
  if (!where.full && file.merge) {
    // Some keys from `<<: *defaults`: Helm's reader merges them; a key written in the mapping overrides them.
    const entries = Object.entries(map);
    const defaults = Object.fromEntries(entries.filter((_, index) => index % 2 === 0));
    values.defaults = defaults;
    image = { '<<': defaults, ...Object.fromEntries(entries.filter((_, index) => index % 2 === 1)) };
  }
  setAt(values, where.steps, image);
  return values;
}

function render(file: ValuesFile): string {
  const random = randomSource(file.seed);
  const doc = new Document(valuesOf(file));
  styleDocument(doc, random, { flow: 0.15, comments: 0.2, blockScalars: 0.1, aliases: 0.1 });
  return renderFile([doc], random)
    .replace(/^\uFEFF?# managed by CI\r?\n/, (lead) => lead)
    .replace(/^(\uFEFF?)(---\r?\n)?/, '$1');
}

function targetOf(file: ValuesFile): HelmImageTarget {
  return file.placement.full && file.placement.path === 'app'
    ? { path: 'app', keys: { full: 'image' } }
    : { path: file.placement.path };
}

/** The model: a full reference is rewritten like an image; a mapping gets exactly the fields the setting gives. */
function expectedChanges(values: unknown, file: ValuesFile, setting: ImageSetting): { path: Path; value: string }[] {
  const at = file.placement.steps;
  const current = at.reduce<unknown>((node, step) => (node as Record<string | number, unknown>)[step], values);
  if (file.placement.full) {
    const next = rewriteReference(current as string, setting);
    return next === current ? [] : [{ path: at, value: next }];
  }
  const changes: { path: Path; value: string }[] = [];
  for (const field of ['newName', 'newTag', 'digest'] as const) {
    // A new tag without a digest empties the digest written there (or merged in), which would win in a chart.
    const clearsDigest =
      field === 'digest' &&
      setting.newTag !== undefined &&
      setting.newTag !== '*' &&
      !['', null, undefined].includes(writtenField(current, 'digest') as string);
    const wanted = clearsDigest && setting.digest === undefined ? '' : setting[field];
    if (wanted === undefined) continue;
    const key = KEY_OF[field];
    if ((current as Record<string, unknown>)[key] !== wanted) changes.push({ path: [...at, key], value: wanted });
  }
  return changes;
}

/** A key of the image mapping as Helm reads it: written in the mapping, or else from a `<<` merge. */
function writtenField(map: unknown, key: string): unknown {
  const record = map as Record<string, unknown>;
  if (key in record) return record[key];
  const merged = record['<<'];
  return ([] as unknown[])
    .concat(merged ?? [])
    .map((source) => (source as Record<string, unknown>)[key])
    .find((value) => value !== undefined);
}

function check(file: ValuesFile): void {
  const text = render(file);
  fc.pre(parseAllDocuments(text).every((doc) => doc.errors.length === 0));
  const [setting] = parseImageArgs([file.arg]);
  const before = parseDocument(text);
  const expected = expectedChanges(before.toJS(), file, setting!);
  let result: ReturnType<typeof setHelmImage>;
  try {
    result = setHelmImage(text, [setting!], targetOf(file), 'charts/app/values.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(BumpError);
    expect((error as BumpError).exitCode).toBe(1);
    expect((error as Error).message).toMatch(/shares its value with .* changing one would change the other/);
    expect(text).toMatch(/&v\d/);
    return;
  }
  const after = parseAllDocuments(result.text);
  expect(after.flatMap((doc) => [...doc.errors, ...doc.warnings])).toEqual([]);
  expect(after).toHaveLength(1);
  const wanted = cloneTree(before.toJS());
  const changing = new Set<number>();
  for (const { path, value } of expected) {
    setAt(wanted, path, value);
    const written = writtenNodeAt(before, path) ?? writtenNodeAt(before, path.slice(0, -1));
    // A new key may land anywhere in its mapping; a filled or rewritten value changes its own lines.
    const range = written?.range ?? writtenNodeAt(before, path.slice(0, -1))?.range;
    if (range) for (const line of linesOf(text, range[0], range[1])) changing.add(line);
    const parent = writtenNodeAt(before, path.slice(0, -1));
    if (parent?.range && !writtenNodeAt(before, path)?.range)
      for (const line of linesOf(text, parent.range[0], parent.range[1])) changing.add(line);
    // `key:` with nothing after it: the line of the key.
    if (!written?.range || written.range[0] === written.range[1])
      for (const line of linesOf(text, parent!.range![0], parent!.range![1])) changing.add(line);
  }
  expect(cloneTree(after[0]!.toJS())).toEqual(wanted);
  const yaml11 = cloneTree(parseDocument(result.text, { version: '1.1' }).toJS());
  for (const { path, value } of expected)
    expect(path.reduce<unknown>((node, step) => (node as Record<string | number, unknown>)[step], yaml11)).toBe(value);
  expect(lostLine(text, result.text, changing)).toBeUndefined();
  if (expected.length === 0) expect(result.text).toBe(text);
}

describe('setHelmImage: properties', () => {
  it('writes exactly the fields the image gives, YAML 1.1-safe, at the given path, and keeps every other line', () => {
    fc.assert(fc.property(valuesFile, check), { numRuns: Number(process.env.RUNS ?? 300) });
  });
});
