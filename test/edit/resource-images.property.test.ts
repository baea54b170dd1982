import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  imageNamesInResourcesWith,
  unmatchedImageWarnings,
  unmatchedImageWarningsIn,
  type ReadRepositoryFile,
} from '../../src/edit/resource-images.js';
import { randomSource } from '../support/random-source.js';
import { PROD_OVERLAY_TARGET } from '../support/overlay-target.js';

/** Names that contain one another, differ only by registry, or match nothing. */
const NAMES = [
  'registry.example.com/team/app1',
  'registry.example.com/team/app10',
  'app1',
  'nginx',
  'localhost:5000/app1',
  'docker.io/library/nginx',
];
const ABSENT = 'other.example.com/none';

/** Mostly documents that name an image; some that only mention it or that the parse refuses; few that make it throw. */
const shape = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom('deployment', 'pod-init', 'flow', 'alias') },
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      'ephemeral',
      'config-map',
      'comment',
      'broken-flow',
      'stray-bracket',
      'lone-bracket',
      'open-quote',
    ),
  },
  { weight: 1, arbitrary: fc.constant('missing-alias') },
);

const documentSpec = fc.record({
  shape,
  name: fc.constantFrom(...NAMES),
  style: fc.oneof(
    { weight: 3, arbitrary: fc.constant('plain' as const) },
    { weight: 1, arbitrary: fc.constantFrom('double' as const, 'single' as const, 'escaped' as const) },
  ),
  suffix: fc.constantFrom('', ':v1', `@sha256:${'a'.repeat(64)}`, ':v1 # pinned'),
});
type DocumentSpec = typeof documentSpec extends fc.Arbitrary<infer T> ? T : never;

const manifestFile = fc.record({
  documents: fc.array(documentSpec, { minLength: 1, maxLength: 6 }),
  seed: fc.integer(),
});
type ManifestFile = typeof manifestFile extends fc.Arbitrary<infer T> ? T : never;

const renames = fc.array(fc.record({ name: fc.constantFrom(...NAMES), newName: fc.constantFrom(...NAMES, ABSENT) }), {
  maxLength: 2,
});

const layout = fc.record({
  extra: fc.option(manifestFile, { nil: undefined }),
  a: manifestFile,
  b: fc.option(manifestFile, { nil: undefined }),
  baseRenames: renames,
  common: fc.option(fc.record({ file: manifestFile, renames }), { nil: undefined }),
  settings: fc.uniqueArray(fc.constantFrom(...NAMES, ABSENT), { minLength: 1, maxLength: 3 }),
});
type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;

function imageScalar(reference: string, style: DocumentSpec['style']): string {
  const [value = '', comment] = reference.split(' # ');
  const written = {
    plain: value,
    double: `"${value}"`,
    single: `'${value}'`,
    // An escape only the parse reads as the name's first letter.
    escaped: `"\\x${value.charCodeAt(0).toString(16)}${value.slice(1)}"`,
  }[style];
  return comment === undefined ? written : `${written} # ${comment}`;
}

function renderDocument({ shape, name, style, suffix }: DocumentSpec): string {
  const image = imageScalar(name + suffix, style);
  switch (shape) {
    case 'deployment':
      return `apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          image: ${image}\n`;
    case 'pod-init':
      return `kind: Pod\nspec:\n  initContainers:\n  - image: ${image}\n    name: init\n  containers:\n  - {name: main, image: busybox}\n`;
    case 'flow':
      return `kind: Pod\nspec: {containers: [{name: main, image: ${image}}]}\n`;
    case 'ephemeral':
      return `kind: Pod\nspec:\n  ephemeralContainers:\n    - image: ${image}\n`;
    case 'config-map':
      return `kind: ConfigMap\ndata:\n  values.yaml: |\n    image: ${name}\n    ---\n    containers: [{image: ${name}}]\n`;
    case 'comment':
      return `# containers:\n#   - image: ${name}\nkind: Service\n`;
    case 'broken-flow':
      return `kind: Pod\nspec:\n  containers: [{image: ${image}}\n`;
    case 'stray-bracket':
      return `]\nspec:\n  containers:\n    - image: ${image}\n`;
    case 'lone-bracket':
      return `]\n`;
    case 'open-quote':
      return `kind: Pod\nmetadata:\n  annotations:\n    note: "left open\nspec:\n  containers:\n    - image: ${name}\n`;
    case 'alias':
      return `kind: Pod\nx-image: &image ${image}\nspec:\n  containers:\n    - image: *image\n`;
    case 'missing-alias':
      return `kind: Pod\nspec:\n  containers:\n    - image: *nowhere\n    - image: ${image}\n`;
  }
}

function renderManifests({ documents, seed }: ManifestFile): string {
  const random = randomSource(seed);
  const separators = ['---\n', '---\n', '--- # next\n', '---\t\n', '...\n---\n'];
  const start = random() < 0.3 ? '---\n' : random() < 0.1 ? '%YAML 1.2\n---\n' : '';
  const text = start + documents.map(renderDocument).reduce((all, next) => all + pick(random, separators) + next);
  return random() < 0.15 ? text.replaceAll('\n', '\r\n') : text;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function renameLines(entries: Layout['baseRenames']): string {
  if (entries.length === 0) return '';
  return `images:\n${entries.map(({ name, newName }) => `  - name: ${name}\n    newName: ${newName}\n`).join('')}`;
}

function files(generated: Layout): Record<string, string> {
  const tree: Record<string, string> = {
    'overlays/prod/kustomization.yaml': `resources:\n  - ../../base\n${generated.extra ? '  - extra.yaml\n' : ''}images:\n${generated.settings.map((name) => `  - name: ${name}\n    newTag: v2\n`).join('')}`,
    'base/kustomization.yaml': `resources:\n  - a.yaml\n${generated.b ? '  - b.yaml\n' : ''}${generated.common ? '  - ../common\n' : ''}${renameLines(generated.baseRenames)}`,
    'base/a.yaml': renderManifests(generated.a),
  };
  if (generated.extra) tree['overlays/prod/extra.yaml'] = renderManifests(generated.extra);
  if (generated.b) tree['base/b.yaml'] = renderManifests(generated.b);
  if (generated.common) {
    tree['common/kustomization.yaml'] = `resources:\n  - c.yaml\n${renameLines(generated.common.renames)}`;
    tree['common/c.yaml'] = renderManifests(generated.common.file);
  }
  return tree;
}

const target = PROD_OVERLAY_TARGET;

describe('unmatchedImageWarningsIn: properties', () => {
  it('warns exactly as the full walk of every document does, reading each file once', async () => {
    await fc.assert(
      fc.asyncProperty(layout, async (generated) => {
        const tree = files(generated);
        const readFromTree: ReadRepositoryFile = (path) => Promise.resolve(tree[path]);
        const reads = new Map<string, number>();
        const countingRead: ReadRepositoryFile = (path) => {
          reads.set(path, (reads.get(path) ?? 0) + 1);
          return readFromTree(path);
        };
        const settings = generated.settings.map((name) => ({ name }));

        const warnings = await unmatchedImageWarningsIn([target], settings, countingRead);

        const allNames = await imageNamesInResourcesWith(readFromTree, target.shown).catch((): string[] => []);
        const expected = unmatchedImageWarnings(allNames, settings).map((warning) => `${target.dir}: ${warning}`);
        expect(warnings).toEqual(expected);
        expect([...reads].filter(([, count]) => count > 1)).toEqual([]);
        const mentioned = await imageNamesInResourcesWith(readFromTree, target.shown, generated.settings).catch(
          () => undefined,
        );
        if (mentioned !== undefined && allNames.length > 0)
          expect(mentioned.filter((name) => !allNames.includes(name))).toEqual([]);
      }),
      { numRuns: Number(process.env.RUNS ?? 300) },
    );
  });
});
