import { isAlias, isMap, isSeq, type Alias, type Document, type Node } from 'yaml';
import { BumpError } from '../failures/errors.js';
import { positionOf } from './text-edits.js';
import { keyText } from './documents.js';

/** Where a value sits in the parsed document: mapping keys and list indexes from the top. */
export type ValuePath = readonly (string | number)[];

/** One place a node's value appears; `via` is the innermost alias on the way there (none: written there). */
export interface Occurrence {
  path: ValuePath;
  via?: Alias;
}

/** `spec.containers[0].image` */
export function formatPath(path: ValuePath): string {
  return (
    path.reduce<string>(
      (shown, step) => (typeof step === 'number' ? `${shown}[${step}]` : shown === '' ? step : `${shown}.${step}`),
      '',
    ) || '(the document)'
  );
}

export function samePath(a: ValuePath, b: ValuePath): boolean {
  return a.length === b.length && a.every((step, index) => step === b[index]);
}

/** Aliases of aliases can describe an exponentially large tree; past this many places, stop following them. */
const MAX_PLACES = 100_000;

/**
 * Every place each node's value appears once aliases are expanded, as kustomize's de-anchoring and any
 * YAML reader see it. A key's places are marked with a `key:` step, so they never equal a value's path.
 */
export function nodeOccurrences(doc: Document.Parsed): Map<Node, Occurrence[]> {
  const found = new Map<Node, Occurrence[]>();
  let places = 0;
  const walk = (node: unknown, path: ValuePath, via: Alias | undefined): void => {
    if (node === null || typeof node !== 'object' || ++places > MAX_PLACES) return;
    const occurrences = found.get(node as Node) ?? [];
    occurrences.push({ path, via });
    found.set(node as Node, occurrences);
    if (isAlias(node)) {
      walk(node.resolve(doc), path, node);
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const key = keyText(pair.key) ?? '?';
        walk(pair.key, [...path, `key:${key}`], via);
        walk(pair.value, [...path, key], via);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index], via));
    }
  };
  walk(doc.contents, [], undefined);
  return found;
}

/** A value about to be rewritten in place, and every path where the editor means it to change. */
export interface InPlaceEdit {
  node: Node;
  paths: readonly ValuePath[];
}

/**
 * Refuses to rewrite a node in place when an anchor and alias make it appear somewhere the edit is not
 * meant for: the other place would silently change too.
 */
export function assertNotSharedElsewhere(
  doc: Document.Parsed,
  text: string,
  file: string,
  edits: readonly InPlaceEdit[],
  occurrences = nodeOccurrences(doc),
): void {
  for (const { node, paths } of edits) {
    const places = occurrences.get(node) ?? [];
    const other = places.find((place) => !paths.some((path) => samePath(path, place.path)));
    if (!other) continue;
    const meant = places.find((place) => paths.some((path) => samePath(path, place.path))) ?? { path: paths[0] ?? [] };
    const alias = other.via ?? meant.via;
    const line = (offset: number | undefined) => (offset === undefined ? '?' : positionOf(text, offset).line);
    const through = alias ? ` through the alias \`*${alias.source}\` (line ${line(alias.range?.[0])})` : '';
    throw new BumpError(
      `${file}:${line(node.range?.[0])}: \`${formatPath(meant.path)}\` shares its value with \`${formatPath(other.path)}\`${through}: changing one would change the other`,
      {
        hint: 'Write the value out in the place to update instead of sharing it through an anchor (`&name`) and alias (`*name`), then run again.',
      },
    );
  }
}
