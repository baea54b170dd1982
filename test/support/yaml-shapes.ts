/**
 * Property-test support for the editors: random but valid image arguments, YAML written in the many
 * shapes people write it (block and flow, every quote style, block scalars, comments, anchors and
 * aliases, several documents, CRLF, BOM), and a check that an edit left every other byte alone.
 */
import fc from 'fast-check';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Scalar,
  type Alias,
  type Document,
  type Node,
  type ParsedNode,
} from 'yaml';

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'0123456789abcdef'.repeat(4)}`;

/** Few names, so that files and arguments meet; a registry port and a path that share a prefix with a name. */
export const IMAGE_NAMES = [
  'app',
  'web',
  'registry.example.com/team/app',
  'localhost:5000/app',
  'ghcr.io/org/web-api',
] as const;

/** Valid tags, with every form a YAML 1.1 reader would take for something other than a string. */
export const TAGS = [
  'v1',
  '1.2.3',
  '1.10',
  '2',
  'latest',
  'on',
  'yes',
  'y',
  'n',
  'off',
  'NO',
  'true',
  'null',
  'Null',
  '1_000',
  '0b101',
  '1e3',
  '012',
  '0x1F',
  '2024-01-02',
  'v2.0.0-rc.1_b',
] as const;

export const imageName = fc.constantFrom(...IMAGE_NAMES);
export const tag = fc.constantFrom(...TAGS);
export const digest = fc.constantFrom(DIGEST_A, DIGEST_B);

/** An image reference as written in a file: a name, perhaps a tag, perhaps a digest. */
export const reference = fc
  .tuple(imageName, fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined }))
  .map(([name, t, d]) => name + (t ? `:${t}` : '') + (d ? `@${d}` : ''));

/** An --image argument in one of the forms kustomize's set-image accepts (without "*"). */
export const imageArg = fc.oneof(
  fc.tuple(imageName, tag).map(([name, t]) => `${name}:${t}`),
  fc.tuple(imageName, digest).map(([name, d]) => `${name}@${d}`),
  fc.tuple(imageName, tag, digest).map(([name, t, d]) => `${name}:${t}@${d}`),
  fc.tuple(imageName, imageName, tag).map(([name, newName, t]) => `${name}=${newName}:${t}`),
  fc.tuple(imageName, imageName).map(([name, newName]) => `${name}=${newName}`),
);

export { randomSource } from './random-source.js';

export interface StyleOptions {
  /** Chance that a collection is written in flow style (`{…}`, `[…]`). */
  flow: number;
  /** Chance that a string scalar gets a trailing comment. */
  comments: number;
  /** Chance that a string scalar is written as a block scalar (`|-`). */
  blockScalars: number;
  /** Chance that a later string scalar becomes an alias of an earlier one. */
  aliases: number;
  /** Values never to turn into aliases or block scalars (for example the ones carrying markers). */
  keep?: (node: Scalar) => boolean;
}

/** Sets random styles on every node of a document built from plain values (in place). */
export function styleDocument(doc: Document, random: () => number, options: StyleOptions): void {
  const strings: { node: Scalar; set: (node: Node) => void }[] = [];
  let anchors = 0;
  const walk = (node: unknown, set: (node: Node) => void): void => {
    if (isMap(node) || isSeq(node)) {
      if (random() < options.flow) node.flow = true;
      if (isMap(node)) {
        for (const pair of node.items) {
          if (isScalar(pair.key) && random() < options.comments / 3) pair.key.commentBefore = ' a comment line';
          walk(pair.value, (value) => (pair.value = value));
        }
      } else {
        node.items.forEach((item, index) => walk(item, (value) => (node.items[index] = value)));
      }
    } else if (isScalar(node) && typeof node.value === 'string') {
      const keep = options.keep?.(node) ?? false;
      const style = random();
      if (!keep && style < options.blockScalars) node.type = Scalar.BLOCK_LITERAL;
      else if (style < 0.35) node.type = Scalar.QUOTE_DOUBLE;
      else if (style < 0.6) node.type = Scalar.QUOTE_SINGLE;
      if (!keep && node.comment === undefined && random() < options.comments) node.comment = ' trailing comment';
      // A kept value may still carry an anchor that a later alias repeats.
      const earlier = strings;
      if (!keep && earlier.length > 0 && random() < options.aliases) {
        const target = earlier[Math.floor(random() * earlier.length)]!.node;
        target.anchor ??= `v${++anchors}`;
        set(doc.createAlias(target, target.anchor));
      } else {
        strings.push({ node, set });
      }
    }
  };
  walk(doc.contents, (value) => (doc.contents = value as typeof doc.contents));
}

/** Documents joined with `---`, then perhaps a BOM and CRLF line breaks. */
export function renderFile(docs: readonly Document[], random: () => number): string {
  const indent = random() < 0.3 ? 4 : 2;
  const indentSeq = random() < 0.5;
  // `key:`, `key: ~` and `key: null` are the three ways people leave a value empty.
  const nullStr = ['', '~', 'null'][Math.floor(random() * 3)]!;
  const body = docs.map((doc) => doc.toString({ indent, indentSeq, lineWidth: 0, nullStr })).join('---\n');
  const lead = random() < 0.3 ? '# managed by CI\n' : '';
  let text = lead + body;
  if (random() < 0.3) text = text.replace(/\n/g, '\r\n');
  if (random() < 0.2) text = `\uFEFF${text}`;
  return text;
}

/** The source range of the value written at `path` (an alias stays an alias), or undefined. */
export function writtenNodeAt(
  doc: Document.Parsed,
  path: readonly (string | number)[],
): ParsedNode | Alias | undefined {
  let node: unknown = doc.contents;
  for (const step of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node))
      node = node.items.find((pair) => isPair(pair) && isScalar(pair.key) && String(pair.key.value) === step)?.value;
    else if (isSeq(node) && typeof step === 'number') node = node.items[step];
    else return undefined;
  }
  return node as ParsedNode | Alias | undefined;
}

/**
 * Checks that `after` is `before` with only the given source ranges replaced, each by one of the ways
 * a changed scalar may be written: plain, double- or single-quoted (plus the header comment and the
 * line break a block scalar had), or left as it was (an alias of a value changed where its anchor is). Returns a description of the first difference, or undefined.
 */
export function differenceOutside(
  before: string,
  after: string,
  replaced: readonly { range: [number, number]; value: string }[],
): string | undefined {
  const ordered = [...replaced]
    .sort((a, b) => a.range[0] - b.range[0])
    .filter((item, index, all) => index === 0 || item.range[0] >= all[index - 1]!.range[1]);
  const attempt = (index: number, from: number, at: number): boolean => {
    const next = ordered[index];
    const kept = before.slice(from, next ? next.range[0] : before.length);
    if (!after.startsWith(kept, at)) return false;
    if (!next) return at + kept.length === after.length;
    const original = before.slice(next.range[0], next.range[1]);
    const lineBreak = /\r?\n$/.exec(original)?.[0] ?? '';
    // A block scalar's header comment (`|- # why`) stays after the plain value that replaces it.
    const headerComment = /^[|>][^\r\n]*?([ \t]+#[^\r\n]*)/.exec(original)?.[1] ?? '';
    // An alias whose anchor was rewritten in place stays as it was.
    const forms = [
      original,
      ...[next.value, JSON.stringify(next.value), `'${next.value.replace(/'/g, "''")}'`].map(
        (form) => form + headerComment + lineBreak,
      ),
    ];
    return forms.some(
      (form) =>
        after.startsWith(form, at + kept.length) && attempt(index + 1, next.range[1], at + kept.length + form.length),
    );
  };
  return attempt(0, 0, 0)
    ? undefined
    : `bytes outside the changed values differ:\n--- before\n${before}\n--- after\n${after}`;
}

/** A deep copy without shared objects, so that setting one place never sets an aliased twin. */
export function cloneTree<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneTree) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cloneTree(item)])) as T;
  return value;
}

export function setAt(tree: unknown, path: readonly (string | number)[], value: unknown): void {
  let node = tree as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
}

/**
 * Checks that every line of `before`, except those in `changing` (0-based), is in `after` in the same
 * order, and that `after` has no other changed line beyond added ones; returns the first line lost.
 */
export function lostLine(before: string, after: string, changing: ReadonlySet<number>): string | undefined {
  const newLines = after.split('\n');
  let at = 0;
  for (const [index, line] of before.split('\n').entries()) {
    if (changing.has(index)) continue;
    while (at < newLines.length && newLines[at] !== line) at++;
    if (at === newLines.length) return line;
    at++;
  }
  return undefined;
}

/** 0-based line numbers that the source range [start, end) touches. */
export function linesOf(text: string, start: number, end: number): number[] {
  const first = text.slice(0, start).split('\n').length - 1;
  const last = text.slice(0, Math.max(start, end - 1)).split('\n').length - 1;
  return Array.from({ length: last - first + 1 }, (_, offset) => first + offset);
}
