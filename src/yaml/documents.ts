import { isMap, isScalar, LineCounter, parseDocument, Scalar, type Document, type Node } from 'yaml';
import { BumpError } from '../failures/errors.js';
import { composeDocuments, readYamlSource, type YamlSource } from './yaml-source.js';

/** Every document of a (possibly multi-document) YAML file; the first error is a BumpError with file:line:column. */
export function parseDocuments(text: string, file: string): Document.Parsed[] {
  return readDocuments(text, file).documents;
}

/** `parseDocuments`, also giving the text's CST, to compose it again (in YAML 1.1, say) without reading it twice. */
function readDocuments(text: string, file: string): { source: YamlSource; documents: Document.Parsed[] } {
  const lines = new LineCounter();
  const source = readYamlSource(text, lines.addNewLine);
  const all = composeDocuments(source, { version: '1.2', uniqueKeys: true });
  for (const doc of all) {
    const problem = doc.errors[0];
    if (!problem) continue;
    const where = problem.pos[0] === -1 ? undefined : lines.linePos(problem.pos[0]);
    const location = where ? `${file}:${where.line}:${where.col}` : file;
    throw new BumpError(`${location}: ${problem.message.split('\n')[0]!}`, {
      hint: 'Fix the YAML in the GitOps repository (or with `edit --dir` locally), then run the bump again.',
    });
  }
  return { source, documents: all };
}

/** Parses a file that must hold exactly one YAML document; errors carry file:line:column. */
export function parseSingleDocument(text: string, file: string): Document.Parsed {
  return readSingleDocument(text, file).doc;
}

/** `parseSingleDocument`, also giving the text's CST, for the postcondition. */
export function readSingleDocument(text: string, file: string): { source: YamlSource; doc: Document.Parsed } {
  const { source, documents: all } = readDocuments(text, file);
  if (all.length > 1) {
    const second = all[1]!;
    const line = text.slice(0, second.range[0]).split('\n').length;
    throw new BumpError(`${file}:${line}:1: a kustomization holds one YAML document, this file holds ${all.length}`, {
      hint: 'Remove the extra `---` documents: kustomize reads only the first, so the others are silently ignored.',
    });
  }
  return { source, doc: all[0] ?? parseDocument(text) };
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
