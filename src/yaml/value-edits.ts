import { isAlias, type Alias, type Document, type Scalar } from 'yaml';
import { rewriteValue } from './scalar-rewrite.js';
import type { TextEdit } from './text-edits.js';
import {
  assertNotSharedElsewhere,
  nodeOccurrences,
  samePath,
  type Occurrence,
  type ValuePath,
} from './node-occurrences.js';

/** One place whose value an editor changes: `node` holds the value now, `edit` is the scalar or the alias written here. */
export interface ValueChange {
  node: Scalar;
  edit: Scalar | Alias;
  keys: ValuePath;
  value: string;
}

/**
 * The text edits that give each place its new value and change nothing else. A scalar is rewritten in
 * place when every place it appears (through aliases) is meant to get the same value; otherwise each
 * alias among the places is replaced by the value itself, and the scalar is rewritten only if no other
 * place still shares it (else a BumpError names the alias that does).
 */
export function planValueEdits(
  doc: Document.Parsed,
  text: string,
  file: string,
  changes: readonly ValueChange[],
): TextEdit[] {
  const occurrences = nodeOccurrences(doc);
  const edits: TextEdit[] = [];
  for (const [node, places] of groupBy(changes, (change) => change.node)) {
    const value = places[0]!.value;
    const covered = (occurrence: Occurrence) => places.some((place) => samePath(place.keys, occurrence.path));
    if (places.every((place) => place.value === value) && (occurrences.get(node) ?? []).every(covered)) {
      edits.push(rewriteValue(text, node, value));
      continue;
    }
    const aliases = groupBy(
      places.filter((place) => isAlias(place.edit)),
      (place) => place.edit as Alias,
    );
    for (const [alias, aliasPlaces] of aliases) {
      // One alias repeated through an aliased collection is still one value.
      const wanted = aliasPlaces[0]!.value;
      assertNotSharedElsewhere(
        doc,
        text,
        file,
        [{ node: alias, paths: aliasPlaces.filter((place) => place.value === wanted).map((place) => place.keys) }],
        occurrences,
      );
      edits.push(rewriteValue(text, alias, wanted));
    }
    const direct = places.filter((place) => place.edit === node);
    if (direct.length === 0) continue;
    const wanted = direct[0]!.value;
    const remaining = new Map(occurrences);
    remaining.set(
      node,
      (occurrences.get(node) ?? []).filter((occurrence) => !(occurrence.via && aliases.has(occurrence.via))),
    );
    assertNotSharedElsewhere(
      doc,
      text,
      file,
      [{ node, paths: direct.filter((place) => place.value === wanted).map((place) => place.keys) }],
      remaining,
    );
    edits.push(rewriteValue(text, node, wanted));
  }
  return edits;
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}
