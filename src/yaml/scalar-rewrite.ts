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

/** The comment on a block scalar's header line (`| # why`), with the blanks before it, or ''. */
function headerComment(blockScalar: string): string {
  const header = /^[|>][^\r\n]*/.exec(blockScalar)![0];
  return /[ \t]+#.*$/.exec(header)?.[0] ?? '';
}

/**
 * Rewrites one value in the source: a quoted scalar keeps its quotes, a plain or block scalar becomes a
 * plain one (quoted when it would not read back as a string; a comment on a block scalar's header line
 * stays), and an alias (`*img`) is replaced by the
 * value itself, so the anchor and every other alias of it keep their value.
 */
export function rewriteValue(text: string, node: Scalar | Alias, value: string): TextEdit {
  const [start, end] = node.range!;
  if (isAlias(node)) return { start, end, text: renderPlainSafe(value) };
  if (isScalar(node) && isBlockScalar(node)) {
    const written = text.slice(start, end);
    const lineBreak = /\r?\n$/.exec(written)?.[0] ?? '';
    return { start, end, text: renderPlainSafe(value) + headerComment(written) + lineBreak };
  }
  if (node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE)
    return { start, end, text: renderScalar(value, node.type) };
  return { start, end, text: renderPlainSafe(value) };
}
