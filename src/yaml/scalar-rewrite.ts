import { isAlias, isScalar, Scalar, type Alias } from 'yaml';
import type { TextEdit } from './text-edits.js';
import { isBlockScalar } from './documents.js';
import { renderScalar } from './source.js';

/**
 * A string as a scalar that stands where a plain one stood: plain when every reader (YAML 1.1 and 1.2,
 * in a flow collection or not) reads it back as the same string, double-quoted otherwise.
 */
export function renderPlainSafe(value: string): string {
  if (/[,[\]{}]/.test(value)) return JSON.stringify(value);
  return renderScalar(value);
}

/**
 * Rewrites one value in the source: a quoted scalar keeps its quotes, a plain or block scalar becomes a
 * plain one (quoted when it would not read back as a string), and an alias (`*img`) is replaced by the
 * value itself, so the anchor and every other alias of it keep their value.
 */
export function rewriteValue(text: string, node: Scalar | Alias, value: string): TextEdit {
  const [start, end] = node.range!;
  if (isAlias(node)) return { start, end, text: renderPlainSafe(value) };
  if (isScalar(node) && isBlockScalar(node)) {
    const lineBreak = /\r?\n$/.exec(text.slice(start, end))?.[0] ?? '';
    return { start, end, text: renderPlainSafe(value) + lineBreak };
  }
  if (node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE)
    return { start, end, text: renderScalar(value, node.type) };
  return { start, end, text: renderPlainSafe(value) };
}
