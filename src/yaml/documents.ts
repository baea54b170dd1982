import { isMap, isScalar, parseAllDocuments, parseDocument, Scalar, type Document, type Node } from 'yaml';
import { BumpError } from '../failures/errors.js';

/** Every document of a (possibly multi-document) YAML file; the first error is a BumpError with file:line:column. */
export function parseDocuments(text: string, file: string): Document.Parsed[] {
  const documents = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  const all = Array.isArray(documents) ? documents : [];
  for (const doc of all) {
    const problem = doc.errors[0];
    if (!problem) continue;
    const where = problem.linePos?.[0];
    const location = where ? `${file}:${where.line}:${where.col}` : file;
    const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new BumpError(`${location}: ${message}`, {
      hint: 'Fix the YAML in the GitOps repository (or with `edit --dir` locally), then run the bump again.',
    });
  }
  return all;
}

/** Parses a file that must hold exactly one YAML document; errors carry file:line:column. */
export function parseSingleDocument(text: string, file: string): Document.Parsed {
  const all = parseDocuments(text, file);
  if (all.length > 1) {
    const second = all[1]!;
    const line = text.slice(0, second.range[0]).split('\n').length;
    throw new BumpError(`${file}:${line}:1: a kustomization holds one YAML document, this file holds ${all.length}`, {
      hint: 'Remove the extra `---` documents: kustomize reads only the first, so the others are silently ignored.',
    });
  }
  if (all.length === 0) return parseDocument(text);
  return all[0]!;
}

/** A scalar with a value (not null, not an empty `key:`), with its source range. */
export function isValueScalar(node: unknown): node is Scalar & { range: [number, number, number] } {
  return isScalar(node) && node.range !== undefined && node.value !== null && node.value !== undefined;
}

export function isBlockScalar(node: Scalar): boolean {
  return node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
}

/** The string key of a map item, or undefined for complex keys. */
export function keyText(key: unknown): string | undefined {
  return isScalar(key) && key.value !== null && key.value !== undefined ? String(key.value) : undefined;
}

/** The value under `key` of a mapping node, if the node is a mapping and has that key. */
function childOf(node: Node | null | undefined, key: string): Node | null | undefined {
  if (!isMap(node)) return undefined;
  return node.items.find((pair) => keyText(pair.key) === key)?.value as Node | null | undefined;
}

/** The top-level `kind` of a document, if any. */
export function kindOf(doc: Document.Parsed): string | undefined {
  const kind = childOf(doc.contents, 'kind');
  return isScalar(kind) && typeof kind.value === 'string' ? kind.value : undefined;
}
