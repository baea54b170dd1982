import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, Scalar, type Document } from 'yaml';
import { editWouldCorrupt } from './edit-check.js';
import { applyEdits, type TextEdit } from './text-edits.js';
import { keyText, kindOf } from './documents.js';
import { formatPath, type ValuePath } from './node-occurrences.js';
import { needsQuotesForYaml11 } from './yaml11-scalars.js';

/** A string the editor means to write at `path` of document `document` (0-based); the path may be new. */
export interface IntendedValue {
  document: number;
  path: ValuePath;
  value: string;
}

/** Past this many compared places (aliases of aliases), the comparison gives up rather than hang. */
const MAX_PLACES = 1_000_000;

function parse(text: string): Document.Parsed[] {
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  return Array.isArray(documents) ? documents : [];
}

/**
 * The last check of every editor before its text is used: `after` parses without errors or new
 * warnings, holds the same documents, and means exactly what `before` means except that each intended
 * path now holds its intended string (one every YAML 1.1 and 1.2 reader reads as that string).
 * Otherwise it throws editWouldCorrupt, naming the first difference.
 */
export function assertOnlyIntendedChanges(
  file: string,
  before: string,
  after: string,
  intended: readonly IntendedValue[],
): void {
  const corrupt = (detail: string) => editWouldCorrupt(file, detail);
  const [old, next] = [parse(before), parse(after)];
  for (const doc of next) {
    const problem = doc.errors[0];
    if (problem) throw corrupt(`it would not parse: ${problem.message.split('\n')[0]}`);
  }
  const oldWarnings = new Set(old.flatMap((doc) => doc.warnings.map((warning) => warning.code)));
  const warning = next.flatMap((doc) => doc.warnings).find((candidate) => !oldWarnings.has(candidate.code));
  if (warning) throw corrupt(`it would read with a new warning: ${warning.message.split('\n')[0]}`);
  if (old.length !== next.length) throw corrupt(`it would hold ${next.length} documents instead of ${old.length}`);

  let places = 0;
  old.forEach((oldDoc, index) => {
    const newDoc = next[index]!;
    const where = old.length > 1 ? `document ${index + 1}: ` : '';
    if (kindOf(oldDoc) !== kindOf(newDoc))
      throw corrupt(`${where}its kind would change from ${kindOf(oldDoc)} to ${kindOf(newDoc)}`);
    const wanted = new Map(
      intended.filter((value) => value.document === index).map((value) => [JSON.stringify(value.path), value.value]),
    );
    const seen = new Set<string>();
    const differ = (path: ValuePath, what: string) => corrupt(`${where}\`${formatPath(path)}\` ${what}`);

    const compare = (a: unknown, b: unknown, path: ValuePath): void => {
      if (++places > MAX_PLACES) return;
      const key = JSON.stringify(path);
      const resolvedB = resolve(newDoc, b);
      if (wanted.has(key)) {
        seen.add(key);
        const value = wanted.get(key)!;
        if (!isScalar(resolvedB) || resolvedB.value !== value)
          throw differ(path, `would hold ${describe(resolvedB)} instead of ${JSON.stringify(value)}`);
        if (resolvedB.type === Scalar.PLAIN && needsQuotesForYaml11(value))
          throw differ(path, `would be the plain scalar ${value}, which a YAML 1.1 reader does not read as a string`);
        return;
      }
      const resolvedA = resolve(oldDoc, a);
      if (isNullish(resolvedA) && isNullish(resolvedB)) return;
      if (isScalar(resolvedA) && isScalar(resolvedB)) {
        if (!Object.is(resolvedA.value, resolvedB.value))
          throw differ(path, `would change from ${describe(resolvedA)} to ${describe(resolvedB)}`);
        return;
      }
      if (isMap(resolvedA) && isMap(resolvedB)) {
        const entries = (map: typeof resolvedA) =>
          new Map(map.items.map((pair) => [keyText(pair.key) ?? '?', pair.value] as const));
        const [oldEntries, newEntries] = [entries(resolvedA), entries(resolvedB)];
        for (const [name, value] of oldEntries) {
          if (!newEntries.has(name)) throw differ([...path, name], 'would be removed');
          compare(value, newEntries.get(name), [...path, name]);
        }
        for (const [name, value] of newEntries) {
          if (oldEntries.has(name)) continue;
          if (!wanted.has(JSON.stringify([...path, name]))) throw differ([...path, name], 'would be added');
          compare(undefined, value, [...path, name]);
        }
        return;
      }
      if (isSeq(resolvedA) && isSeq(resolvedB)) {
        if (resolvedA.items.length !== resolvedB.items.length)
          throw differ(path, `would have ${resolvedB.items.length} items instead of ${resolvedA.items.length}`);
        resolvedA.items.forEach((item, itemIndex) => compare(item, resolvedB.items[itemIndex], [...path, itemIndex]));
        return;
      }
      throw differ(path, `would change from ${describe(resolvedA)} to ${describe(resolvedB)}`);
    };

    compare(oldDoc.contents, newDoc.contents, []);
    const missing = [...wanted.keys()].find((key) => !seen.has(key));
    if (missing !== undefined) throw differ(JSON.parse(missing) as ValuePath, 'would not be written');
  });
}

function resolve(doc: Document.Parsed, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(doc);
  return current;
}

function isNullish(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && (node.value === null || node.value === undefined));
}

function describe(node: unknown): string {
  if (isScalar(node))
    return node.value === null || node.value === undefined
      ? 'null'
      : (JSON.stringify(node.value) ?? String(node.value));
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  return node === undefined ? 'nothing' : 'null';
}

/** applyEdits, with two edits of one place (an editor bug) reported as the edit that would corrupt `file`. */
export function applyEditsOf(file: string, text: string, edits: readonly TextEdit[]): string {
  try {
    return applyEdits(text, edits);
  } catch (error) {
    throw editWouldCorrupt(file, error instanceof Error ? error.message : String(error));
  }
}
