import type { Node, Pair, Scalar, YAMLMap } from 'yaml';
import { columnOf, lineBoundaryAfter, lineBreakOf, type TextEdit } from './text-edits.js';

/** Where a pair ends in the text: after its value, or right after `key:` when it has no value node. */
export function pairEnd(pair: Pair): number {
  const value = pair.value as Node | null;
  if (value?.range) return value.range[1];
  return (pair.key as Scalar).range![1] + 1;
}

/**
 * Writes `rendered` as the value of a pair that has none: `key: ~`, `key: null`, or an empty `key:` (whose
 * empty value the parser places at the next token, so only the colon is a safe anchor: a comment after
 * it stays a comment).
 */
export function fillEmptyValue(text: string, pair: Pair, rendered: string): TextEdit {
  const colon = text.indexOf(':', (pair.key as Node).range![1]);
  const range = (pair.value as Node | null)?.range;
  const end = range && range[1] > range[0] ? range[1] : colon + 1;
  return { start: colon + 1, end, text: ` ${rendered}` };
}

/**
 * Inserts rendered `key: value` pairs after `after` (at the start of an empty flow mapping when undefined):
 * in a flow mapping after a comma, in a block mapping on lines of their own at its keys' indentation.
 */
export function insertPairs(
  text: string,
  map: YAMLMap,
  after: Pair | undefined,
  rendered: readonly string[],
): TextEdit {
  const end = after && pairEnd(after);
  if (map.flow) {
    if (end === undefined) {
      const open = text.indexOf('{', map.range![0]);
      return { start: open + 1, end: open + 1, text: rendered.join(', ') };
    }
    return { start: end, end, text: rendered.map((pair) => `, ${pair}`).join('') };
  }
  const eol = lineBreakOf(text);
  const indent = ' '.repeat(columnOf(text, (map.items[0]!.key as Node).range![0]));
  const at = lineBoundaryAfter(text, end!);
  const needsBreak = at === text.length && !text.endsWith('\n');
  return {
    start: at,
    end: at,
    text: `${needsBreak ? eol : ''}${rendered.map((pair) => `${indent}${pair}${eol}`).join('')}`,
  };
}
