import { parse, stringify, Scalar } from 'yaml';
import { needsQuotesForYaml11 } from './yaml11-scalars.js';

/** The scalar exactly as written (so `newTag: 1.10` reads as "1.10", not the number 1.1). */
export function scalarText(node: unknown): string | undefined {
  if (!(node instanceof Scalar)) return undefined;
  if (node.value === null || node.value === undefined) return undefined;
  if (node.type === Scalar.PLAIN && typeof node.source === 'string') return node.source;
  return String(node.value);
}

/**
 * A letter, then letters, digits, `.`, `_` and `-` (most tags: `v1.2.3`, `release-42`): a plain scalar of
 * this shape that YAML 1.1 reads as a string (not `yes`, `on`, `null`, `e3`) is one in YAML 1.2 too, and
 * needs neither quotes nor a parse to tell (the first parses of a run are the slow ones).
 */
const SURELY_A_STRING = /^[A-Za-z][A-Za-z0-9._-]*$/;

/**
 * Whether `source`, written as a plain (unquoted) scalar, reads back as exactly the string `value` both
 * in YAML 1.2 and in YAML 1.1. kustomize and Helm read with go-yaml, which follows YAML 1.1: there `on`,
 * `y`, `no`, `0b101`, `012` or `1_000` are booleans or numbers, and kustomize refuses `newTag: on`.
 * go-yaml's own list of such forms (`needsQuotesForYaml11`) is checked as well as the `yaml` library's 1.1 schema.
 */
export function plainReadsAs(source: string, value: string): boolean {
  if (needsQuotesForYaml11(source)) return false;
  if (SURELY_A_STRING.test(source)) return source === value;
  try {
    return (
      parse(source, { version: '1.1', logLevel: 'silent' }) === value && parse(source, { logLevel: 'silent' }) === value
    );
  } catch {
    return false;
  }
}

/**
 * Renders a string value as a YAML scalar in the given style when that style can hold it; plain
 * scalars that would read back as something other than the same string — in YAML 1.2 or YAML 1.1
 * (1234, true, ~, on, yes, 0b101, 1_000) — are double-quoted so a tag stays a string.
 */
export function renderScalar(value: string, style?: Scalar.Type): string {
  if (style === Scalar.QUOTE_SINGLE && !/[\n\r]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  if (style === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (SURELY_A_STRING.test(value) && !needsQuotesForYaml11(value)) return value;
  const rendered = stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
  if (/^[|>]/.test(rendered)) return JSON.stringify(value);
  if (/^['"]/.test(rendered)) return rendered;
  return plainReadsAs(rendered, value) ? rendered : JSON.stringify(value);
}
