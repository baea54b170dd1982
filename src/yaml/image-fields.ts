import { isAlias, isMap, isSeq, type Alias, type Document, type Node, type Scalar, type YAMLMap } from 'yaml';
import { isValueScalar, keyText, kindOf } from './documents.js';
import { formatPath, type ValuePath } from './node-occurrences.js';

/**
 * The container lists whose items' `image` kustomize's image transformer rewrites, at any depth (its
 * legacy walk). `ephemeralContainers` is not among them: kustomize leaves those images alone. The
 * editor and the unmatched-image warning both read this one list, so they agree on what an image is.
 */
export const CONTAINER_LIST_KEYS: ReadonlySet<string> = new Set(['containers', 'initContainers']);

/**
 * One place an `image` of a Kubernetes object appears, aliases expanded. `node` holds the reference;
 * `edit` is what to rewrite: the scalar itself, or the alias (`image: *img`) that stands in for it here.
 * `path` is readable (`spec.containers[0].image`), `keys` the same path as steps.
 */
export interface ImageField {
  node: Scalar & { range: [number, number, number] };
  edit: Scalar | Alias;
  path: string;
  keys: ValuePath;
  /** Set when the container has no `image` of its own and takes it from a `<<` merge key (this node). */
  mergedFrom?: Node;
}

/** kustomize's default `images` field specs (the container paths repeat what the walk finds). */
const FIELD_SPECS = [
  'spec/containers[]/image',
  'spec/initContainers[]/image',
  'spec/volumes[]/image/reference',
  'spec/template/spec/containers[]/image',
  'spec/template/spec/initContainers[]/image',
  'spec/template/spec/volumes[]/image/reference',
].map((spec) => spec.split('/').map((segment) => segment.replace(/\[\]$/, '')));

type Found = Map<string, ImageField>;

/** The image fields kustomize's image transformer would rewrite in one document, in source order. */
export function imageFieldsOf(doc: Document.Parsed): ImageField[] {
  if (kindOf(doc) === 'CustomResourceDefinition') return [];
  const found: Found = new Map();
  const resolve = (node: unknown): Node | null | undefined =>
    isAlias(node) ? node.resolve(doc) : (node as Node | null | undefined);
  const add = (value: unknown, keys: ValuePath, mergedFrom?: Node) => {
    const node = resolve(value);
    const id = JSON.stringify(keys);
    if (!isValueScalar(node) || found.has(id)) return;
    found.set(id, {
      node,
      edit: isAlias(value) ? value : node,
      path: formatPath(keys),
      keys,
      ...(mergedFrom ? { mergedFrom } : {}),
    });
  };
  // kustomize expands `<<: *defaults` before it sets images, so a merged `image` is one too.
  const mergedImage = (container: YAMLMap): { value: unknown; mergedFrom: Node } | undefined => {
    const merge = container.items.find((entry) => keyText(entry.key) === '<<')?.value as Node | null | undefined;
    if (!merge) return undefined;
    for (const source of isSeq(merge) ? merge.items : [merge]) {
      const map = resolve(source);
      const image = isMap(map) ? map.items.find((entry) => keyText(entry.key) === 'image') : undefined;
      if (image) return { value: image.value, mergedFrom: merge };
    }
    return undefined;
  };
  let places = 0;

  const walkContainerLists = (value: unknown, keys: ValuePath): void => {
    const node = resolve(value);
    if (++places > 100_000) return;
    if (isSeq(node)) {
      node.items.forEach((item, index) => walkContainerLists(item, [...keys, index]));
      return;
    }
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = keyText(pair.key);
      const childKeys = [...keys, key ?? '?'];
      walkContainerLists(pair.value, childKeys);
      const list = resolve(pair.value);
      if (key === undefined || !CONTAINER_LIST_KEYS.has(key) || !isSeq(list)) continue;
      list.items.forEach((item, index) => {
        const container = resolve(item);
        if (!isMap(container)) return;
        const image = container.items.find((entry) => keyText(entry.key) === 'image');
        if (image) add(image.value, [...childKeys, index, 'image']);
        const merged = image ? undefined : mergedImage(container);
        if (merged) add(merged.value, [...childKeys, index, 'image'], merged.mergedFrom);
      });
    }
  };

  // Like kustomize's field spec filter: a list anywhere on the path applies the rest of the path to each item.
  const followFieldSpec = (value: unknown, segments: readonly string[], keys: ValuePath): void => {
    if (segments.length === 0) return add(value, keys);
    const node = resolve(value);
    if (isSeq(node)) {
      node.items.forEach((item, index) => followFieldSpec(item, segments, [...keys, index]));
      return;
    }
    if (!isMap(node)) return;
    const [first, ...rest] = segments;
    const pair = node.items.find((entry) => keyText(entry.key) === first);
    if (pair) followFieldSpec(pair.value, rest, [...keys, first!]);
  };

  walkContainerLists(doc.contents, []);
  for (const spec of FIELD_SPECS) followFieldSpec(doc.contents, spec, []);
  return [...found.values()].sort((a, b) => a.edit.range![0] - b.edit.range![0] || (a.path < b.path ? -1 : 1));
}
