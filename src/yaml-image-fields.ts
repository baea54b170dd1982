import { isMap, isSeq, type Document, type Node, type Scalar } from 'yaml';
import { isValueScalar, keyText, kindOf } from './yaml-documents.js';

/** An `image` scalar of a Kubernetes object, with a readable path such as `spec.containers[0].image`. */
export interface ImageField {
  node: Scalar & { range: [number, number, number] };
  path: string;
}

/** kustomize's legacy walk: the `image` of every item of a `containers` or `initContainers` list, at any depth. */
const CONTAINER_LISTS = new Set(['containers', 'initContainers']);

/** kustomize's default `images` field specs (the container paths repeat what the walk finds). */
const FIELD_SPECS = [
  'spec/containers[]/image',
  'spec/initContainers[]/image',
  'spec/volumes[]/image/reference',
  'spec/template/spec/containers[]/image',
  'spec/template/spec/initContainers[]/image',
  'spec/template/spec/volumes[]/image/reference',
].map((spec) => spec.split('/').map((segment) => segment.replace(/\[\]$/, '')));

/** The image fields kustomize's image transformer would rewrite in one document, in source order. */
export function imageFieldsOf(doc: Document.Parsed): ImageField[] {
  if (kindOf(doc) === 'CustomResourceDefinition') return [];
  const found = new Map<ImageField['node'], string>();
  walkContainerLists(doc.contents, '', found);
  for (const spec of FIELD_SPECS) followFieldSpec(doc.contents, spec, '', found);
  return [...found]
    .map(([node, path]) => ({ node, path }))
    .sort((a, b) => a.node.range[0] - b.node.range[0]);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function walkContainerLists(node: Node | null | undefined, path: string, found: Map<ImageField['node'], string>): void {
  if (isSeq(node)) {
    node.items.forEach((item, index) => walkContainerLists(item as Node, `${path}[${index}]`, found));
    return;
  }
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const key = keyText(pair.key);
    const value = pair.value as Node | null;
    const childPath = join(path, key ?? '?');
    walkContainerLists(value, childPath, found);
    if (key === undefined || !CONTAINER_LISTS.has(key) || !isSeq(value)) continue;
    value.items.forEach((item, index) => {
      if (!isMap(item)) return;
      const image = item.items.find((entry) => keyText(entry.key) === 'image')?.value;
      if (isValueScalar(image) && !found.has(image)) found.set(image, `${childPath}[${index}].image`);
    });
  }
}

/** Like kustomize's field spec filter: a list anywhere on the path applies the rest of the path to each item. */
function followFieldSpec(node: Node | null | undefined, segments: readonly string[], path: string, found: Map<ImageField['node'], string>): void {
  if (segments.length === 0) {
    if (isValueScalar(node) && !found.has(node)) found.set(node, path);
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, index) => followFieldSpec(item as Node, segments, `${path}[${index}]`, found));
    return;
  }
  if (!isMap(node)) return;
  const [first, ...rest] = segments;
  const pair = node.items.find((entry) => keyText(entry.key) === first);
  if (pair) followFieldSpec(pair.value as Node | null, rest, join(path, first!), found);
}
