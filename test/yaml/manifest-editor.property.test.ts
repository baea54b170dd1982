import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Alias, type Scalar } from 'yaml';
import { BumpError } from '../../src/failures/errors.js';
import { parseImageArgs, type ImageSetting } from '../../src/image/image-arg.js';
import { setManifestImages } from '../../src/yaml/manifest-editor.js';
import {
  cloneTree,
  differenceOutside,
  imageArg,
  randomSource,
  reference,
  renderFile,
  setAt,
  styleDocument,
  writtenNodeAt,
} from '../support/yaml-shapes.js';

type Path = (string | number)[];

// ---- The reference model: kustomize's image transformer on the parsed (alias-expanded) values. ----

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The image fields kustomize rewrites: `image` of every item of a containers/initContainers list, plus the default field specs. */
function kustomizeImageFields(resource: unknown): Path[] {
  if (isObject(resource) && resource.kind === 'CustomResourceDefinition') return [];
  const fields = new Map<string, Path>();
  const add = (path: Path) => fields.set(JSON.stringify(path), path);
  const walk = (value: unknown, path: Path): void => {
    if (Array.isArray(value)) return value.forEach((item, index) => walk(item, [...path, index]));
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      walk(child, [...path, key]);
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(child)) {
        child.forEach(
          (item, index) => isObject(item) && typeof item.image === 'string' && add([...path, key, index, 'image']),
        );
      }
    }
  };
  walk(resource, []);
  for (const base of [['spec'], ['spec', 'template', 'spec']]) {
    let node: unknown = resource;
    for (const step of base) node = isObject(node) ? node[step] : undefined;
    if (!isObject(node)) continue;
    for (const list of ['containers', 'initContainers'] as const) {
      const items = node[list];
      if (Array.isArray(items))
        items.forEach(
          (item, index) => isObject(item) && typeof item.image === 'string' && add([...base, list, index, 'image']),
        );
    }
    const volumes = node.volumes;
    if (Array.isArray(volumes)) {
      volumes.forEach((volume, index) => {
        if (isObject(volume) && isObject(volume.image) && typeof volume.image.reference === 'string')
          add([...base, 'volumes', index, 'image', 'reference']);
      });
    }
  }
  return [...fields.values()];
}

function split(reference: string): { name: string; tag: string; digest: string } {
  const slash = reference.indexOf('/');
  const rest = reference.slice(Math.max(slash, 0));
  const at = rest.indexOf('@');
  const withoutDigest = at < 0 ? reference : reference.slice(0, Math.max(slash, 0) + at);
  const digest = at < 0 ? '' : rest.slice(at + 1);
  const afterSlash = withoutDigest.slice(Math.max(slash, 0));
  const colon = afterSlash.indexOf(':');
  if (colon < 0) return { name: withoutDigest, tag: '', digest };
  return { name: withoutDigest.slice(0, Math.max(slash, 0) + colon), tag: afterSlash.slice(colon + 1), digest };
}

/** kustomize's imageTagUpdater.SetImageValue. */
function kustomizeRewrite(value: string, setting: ImageSetting): string {
  const pattern = new RegExp(
    `^${setting.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:[a-zA-Z0-9_.{}-]*)?(@[a-zA-Z][a-zA-Z0-9]*:[a-zA-Z0-9_.{}-]*)?$`,
  );
  if (!pattern.test(value)) return value;
  let { name, tag, digest } = split(value);
  if (setting.newName) name = setting.newName;
  if (setting.newTag && setting.digest) [tag, digest] = [setting.newTag, setting.digest];
  else if (setting.newTag) [tag, digest] = [setting.newTag, ''];
  else if (setting.digest) [tag, digest] = ['', setting.digest];
  return name + (tag ? `:${tag}` : '') + (digest ? `@${digest}` : '');
}

function expectedChanges(
  resource: unknown,
  settings: readonly ImageSetting[],
): Map<string, { path: Path; value: string }> {
  const changes = new Map<string, { path: Path; value: string }>();
  for (const path of kustomizeImageFields(resource)) {
    let node: unknown = resource;
    for (const step of path) node = (node as Record<string | number, unknown>)[step];
    const before = node as string;
    const after = settings.reduce(kustomizeRewrite, before);
    if (after !== before) changes.set(JSON.stringify(path), { path, value: after });
  }
  return changes;
}

/**
 * A refusal is right when a value to change is shared, through an anchor, with a place that must not
 * get the same new value, and replacing the aliases among the changed places (each in its own place)
 * cannot separate them.
 */
function refusalIsRight(doc: Document.Parsed, changes: Map<string, { value: string }>): boolean {
  const scalars = new Map<Scalar, { path: Path; alias?: Alias }[]>();
  const aliases = new Map<Alias, Path[]>();
  const walk = (node: unknown, path: Path, alias: Alias | undefined): void => {
    if (isAlias(node)) {
      aliases.set(node, [...(aliases.get(node) ?? []), path]);
      return walk(node.resolve(doc), path, node);
    }
    if (isScalar(node)) scalars.set(node, [...(scalars.get(node) ?? []), { path, alias }]);
    if (isMap(node))
      for (const pair of node.items) walk(pair.value, [...path, String((pair.key as Scalar).value)], undefined);
    if (isSeq(node)) node.items.forEach((item, index) => walk(item, [...path, index], undefined));
  };
  walk(doc.contents, [], undefined);
  const newValue = (path: Path) => changes.get(JSON.stringify(path))?.value;
  return [...scalars.values()].some((places) => {
    const changed = places.filter((place) => newValue(place.path) !== undefined);
    if (changed.length === 0) return false;
    const value = newValue(changed[0]!.path);
    if (places.every((place) => newValue(place.path) === value)) return false;
    const rewritten = new Set(changed.flatMap((place) => place.alias ?? []));
    if ([...rewritten].some((alias) => aliases.get(alias)!.some((path) => newValue(path) !== value))) return true;
    return (
      changed.some((place) => !place.alias) &&
      places.some((place) => !(place.alias && rewritten.has(place.alias)) && newValue(place.path) !== value)
    );
  });
}

// ---- The generator: manifests as people write them. ----

const container = fc.record(
  { name: fc.constantFrom('main', 'sidecar', 'migrate'), image: reference },
  { requiredKeys: ['image'] },
);
const podSpec = fc.record(
  {
    containers: fc.array(container, { minLength: 1, maxLength: 3 }),
    initContainers: fc.array(container, { maxLength: 2 }),
    ephemeralContainers: fc.array(container, { maxLength: 1 }),
    volumes: fc.array(
      fc.record({
        name: fc.constant('models'),
        image: fc.record({ reference, pullPolicy: fc.constant('IfNotPresent') }),
      }),
      { maxLength: 1 },
    ),
    sharing: fc.constantFrom('none', 'none', 'init-is-containers', 'shared-outside', 'merge-defaults'),
  },
  { requiredKeys: ['containers', 'sharing'] },
);

const resource = fc.oneof(
  fc.record({
    kind: fc.constantFrom('Deployment', 'CronJob', 'Pod', 'CustomResourceDefinition'),
    pod: podSpec,
    note: fc.option(reference, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('ConfigMap'), pod: fc.constant(undefined), note: reference }),
);

type Resource = typeof resource extends fc.Arbitrary<infer T> ? T : never;

function manifestOf({ kind, pod, note }: Resource): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    name: 'web',
    ...(note ? { annotations: { 'example.com/image': note } } : {}),
  };
  if (kind === 'ConfigMap') return { apiVersion: 'v1', kind, metadata, data: { IMAGE: note } };
  const { sharing, ...lists } = pod as {
    sharing: string;
    containers: unknown[];
    initContainers?: unknown[];
    ephemeralContainers?: unknown[];
    volumes?: unknown[];
  };
  const spec: Record<string, unknown> = { ...lists };
  for (const key of Object.keys(spec))
    if (Array.isArray(spec[key]) && (spec[key] as unknown[]).length === 0) delete spec[key];
  const top: Record<string, unknown> = {};
  // The same object twice: the YAML writer puts an anchor on the first and an alias on the second.
  if (sharing === 'init-is-containers') spec.initContainers = spec.containers;
  if (sharing === 'shared-outside') top['x-defaults'] = { containers: undefined, list: spec.containers };
  if (sharing === 'merge-defaults') {
    // `- <<: *defaults` without an image of its own: kustomize expands the merge key, then sets the image.
    const [first, ...rest] = spec.containers as { name?: string; image: string }[];
    const defaults = { image: first!.image, imagePullPolicy: 'Always' };
    top['x-defaults'] = defaults;
    spec.containers = [{ '<<': defaults, name: first!.name ?? 'main' }, ...rest];
  }
  if (kind === 'Pod' || kind === 'CustomResourceDefinition') return { apiVersion: 'v1', kind, metadata, ...top, spec };
  if (kind === 'Deployment')
    return { apiVersion: 'apps/v1', kind, metadata, ...top, spec: { replicas: 2, template: { spec } } };
  return {
    apiVersion: 'batch/v1',
    kind,
    metadata,
    ...top,
    spec: { schedule: '0 1 * * *', jobTemplate: { spec: { template: { spec } } } },
  };
}

const manifestFile = fc.record({
  resources: fc.array(resource, { minLength: 1, maxLength: 3 }),
  seed: fc.integer(),
  args: fc.array(imageArg, { minLength: 1, maxLength: 3 }),
});

function render({ resources, seed }: { resources: Resource[]; seed: number }): string {
  const random = randomSource(seed);
  const docs = resources.map((item) => {
    const doc = new Document(manifestOf(item));
    styleDocument(doc, random, { flow: 0.15, comments: 0.2, blockScalars: 0.1, aliases: 0.15 });
    return doc;
  });
  return renderFile(docs, random);
}

/** One case: the edit matches the model, or is the documented refusal of a shared value. */
function check(text: string, args: readonly string[]): void {
  const settings = parseImageArgs(args);
  const before = parseAllDocuments(text);
  // kustomize reads merge keys (`<<: *defaults`) expanded.
  const expected = parseAllDocuments(text, { merge: true }).map((doc) => expectedChanges(doc.toJS(), settings));
  let result: ReturnType<typeof setManifestImages>;
  try {
    result = setManifestImages(text, settings, 'apps/web.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(BumpError);
    expect((error as BumpError).exitCode).toBe(1);
    if (/comes from the merge key/.test((error as Error).message)) {
      // Right only when an image to change is one a container takes from a merge key.
      const merged = before.some((doc, index) =>
        [...expected[index]!.values()].some(({ path }) => {
          const container = path
            .slice(0, -1)
            .reduce<unknown>((node, step) => (node as Record<string | number, unknown>)[step], doc.toJS());
          return isObject(container) && '<<' in container && !('image' in container);
        }),
      );
      expect(merged).toBe(true);
      return;
    }
    expect((error as Error).message).toMatch(/shares its value with .* changing one would change the other/);
    expect(before.some((doc, index) => refusalIsRight(doc, expected[index]!))).toBe(true);
    return;
  }
  const after = parseAllDocuments(result.text);
  expect(after.flatMap((doc) => [...doc.errors, ...doc.warnings])).toEqual([]);
  expect(after).toHaveLength(before.length);
  const replaced: { range: [number, number]; value: string }[] = [];
  before.forEach((doc, index) => {
    const wanted = cloneTree(doc.toJS());
    for (const { path, value } of expected[index]!.values()) {
      setAt(wanted, path, value);
      const written = writtenNodeAt(doc, path)!;
      replaced.push({ range: [written.range![0], written.range![1]], value });
    }
    expect(cloneTree(after[index]!.toJS())).toEqual(wanted);
    // A YAML 1.1 reader (go-yaml in kustomize, Helm, Argo CD) reads every changed value as that string.
    const yaml11 = cloneTree(parseAllDocuments(result.text, { version: '1.1' })[index]!.toJS());
    for (const { path, value } of expected[index]!.values())
      expect(path.reduce<unknown>((node, step) => (node as Record<string | number, unknown>)[step], yaml11)).toBe(
        value,
      );
  });
  expect(differenceOutside(text, result.text, replaced)).toBeUndefined();
  expect(result.changes.filter((change) => change.changed).length).toBeGreaterThanOrEqual(
    expected.reduce((count, changes) => count + (changes.size > 0 ? 1 : 0), 0),
  );
}

describe('setManifestImages: properties', () => {
  it('changes exactly the image fields kustomize would, to what kustomize would write, and no other byte', () => {
    fc.assert(
      fc.property(manifestFile, (file) => check(render(file), file.args)),
      { numRuns: Number(process.env.RUNS ?? 300) },
    );
  });
});
