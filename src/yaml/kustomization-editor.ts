import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
  Scalar,
} from 'yaml';
import { applySetting, describeImage, type ImageSetting } from '../image/image-arg.js';
import type { ImageChange, ImageFields } from '../image/image-change.js';
import { editWouldCorrupt } from './edit-check.js';
import { BumpError } from '../failures/errors.js';
import { assertKustomizationEdit } from './kustomization-postcondition.js';
import {
  applyEdits,
  columnOf,
  lineBoundaryAfter,
  lineBreakOf,
  lineStartOf,
  nextLineStart,
  positionOf,
  type TextEdit,
} from './text-edits.js';
import { readSingleDocument } from './documents.js';
import { rewriteValue } from './scalar-rewrite.js';
import { fillEmptyValue, insertPairs, pairEnd } from './pair-edits.js';
import { plainReadsAs, renderScalar, scalarText } from './source.js';

export interface EditResult {
  text: string;
  changes: ImageChange[];
}

const FIELD_ORDER = ['name', 'newName', 'newTag', 'digest'] as const;
type FieldKey = (typeof FIELD_ORDER)[number];
const VALUE_FIELDS = ['newName', 'newTag', 'digest'] as const;
/** The keys of kustomize's types.Image; it refuses any other. */
const IMAGE_KEYS = ['name', 'newName', 'tagSuffix', 'newTag', 'digest'];

/** One item of `images:`: the node written in the list (a mapping or an alias of one) and the mapping. */
interface Entry {
  item: Node;
  map: YAMLMap;
  name: string | undefined;
}

interface Source {
  text: string;
  doc: Document.Parsed;
  eol: string;
  file: string;
  /** Where each alias name is used: an anchored node with a name here is shared. */
  aliases: Map<string, number[]>;
  /** The file is JSON (a flow mapping with double-quoted keys): what is added is written as JSON too. */
  json: boolean;
}

/**
 * `kustomize edit set image` on the text of a kustomization, changing only the bytes that must
 * change: comments, key order, quoting, indentation, line endings and entry order are kept. The result
 * is checked against a model of kustomize's set-image before it is returned (see
 * kustomization-postcondition.ts); where byte-preserving editing cannot follow kustomize, the edit is
 * refused with a message.
 */
export function setImages(
  original: string,
  settings: readonly ImageSetting[],
  file = 'kustomization.yaml',
): EditResult {
  // Edited with a final line break, so lines added at the end never need one of their own.
  const eol = lineBreakOf(original);
  const text = original !== '' && !original.endsWith('\n') ? original + eol : original;
  const { source: parsed, doc } = readSingleDocument(text, file);
  const root = rootMap(doc, file);
  const source: Source = { text, doc, eol, file, aliases: aliasUses(doc), json: writesJson(root) };
  const imagesPair = root?.items.find((pair) => keyOf(pair) === 'images');
  const images = imagesPair?.value as Node | null | undefined;
  if (isAlias(images)) {
    throw new BumpError(
      `${file}: \`images\` is an alias (*${images.source}): editing it would change what the anchor &${images.source} holds`,
      {
        hint: 'Write the `images:` list out in the kustomization, then bump again.',
      },
    );
  }
  if (images && !isSeq(images) && !isNullScalar(images)) {
    throw new BumpError(`${file}: \`images\` must be a list of entries`, {
      hint: 'Write `images:` as a YAML list of `- name: …` entries.',
    });
  }
  const entries = isSeq(images) ? entriesOf(images, source) : [];
  refuseCaseVariants(root, entries, source);
  refuseDeprecatedImageTags(root, settings, source);

  const edits: TextEdit[] = [];
  const changes: ImageChange[] = [];
  const added: { setting: ImageSetting; fields: ImageFields }[] = [];
  for (const setting of settings) {
    const matching = entries.filter((entry) => entry.name === setting.name);
    if (matching.length === 0) {
      const fields = applySetting(undefined, setting);
      added.push({ setting, fields });
      changes.push({ name: setting.name, after: fields, newImage: describeImage(setting.name, fields), changed: true });
      continue;
    }
    if (matching.length > 1) throw duplicateEntries(setting.name, matching, source);
    const entry = matching[0]!;
    assertEditable(entry, source);
    const before = fieldsOf(entry.map, source);
    const after = applySetting(before, setting);
    const entryEdits = editEntry(source, entry.map, after);
    edits.push(...entryEdits);
    changes.push({
      name: setting.name,
      before,
      after,
      previousImage: describeImage(setting.name, before),
      newImage: describeImage(setting.name, after),
      // An entry can change without a new image: a dropped tagSuffix, a tag quoted so kustomize reads it.
      changed: !sameFields(before, after) || entryEdits.length > 0,
    });
  }

  if (added.length > 0) {
    added.sort((a, b) => compareNames(a.setting.name, b.setting.name));
    if (isSeq(images)) {
      assertNotShared(images, `the \`images\` list`, source);
      edits.push(...insertEntries(source, images, entries, added));
    } else {
      edits.push(createImagesList(source, root, imagesPair, added));
    }
  }
  let result: string;
  try {
    result = applyEdits(text, edits);
  } catch (error) {
    throw editWouldCorrupt(file, (error as Error).message);
  }
  if (text !== original && edits.every((edit) => edit.start < original.length) && result.endsWith(eol))
    result = result.slice(0, -eol.length);
  assertKustomizationEdit(text === original ? parsed : original, result, settings, file);
  return { text: result, changes };
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rootMap(doc: Document.Parsed, file: string): YAMLMap | undefined {
  const contents = doc.contents;
  if (contents === null || isNullScalar(contents)) return undefined;
  if (!isMap(contents)) {
    throw new BumpError(`${file}: a kustomization must be a YAML mapping`, {
      hint: 'Check that the file is a Kustomization (apiVersion, kind, resources, images …).',
    });
  }
  return contents;
}

function entriesOf(images: YAMLSeq, source: Source): Entry[] {
  return images.items.map((item, index) => {
    const map = isAlias(item) ? item.resolve(source.doc) : item;
    if (!isMap(map)) {
      throw new BumpError(`${source.file}: images[${index}] is not a mapping with a \`name\``, {
        hint: 'Each entry of `images:` is `- name: <image>` plus newName/newTag/digest.',
      });
    }
    return { item: item as Node, map, name: scalarText(resolved(map.get('name', true), source)) };
  });
}

function resolved(node: unknown, source: Source): unknown {
  return isAlias(node) ? node.resolve(source.doc) : node;
}

function aliasUses(doc: Document.Parsed): Map<string, number[]> {
  const uses = new Map<string, number[]>();
  visit(doc, {
    Alias(_, alias) {
      uses.set(alias.source, [...(uses.get(alias.source) ?? []), alias.range?.[0] ?? 0]);
    },
  });
  return uses;
}

function lineOf(source: Source, offset: number): number {
  return positionOf(source.text, offset).line;
}

/** Anchored nodes that an alias elsewhere repeats are never edited in place: the alias would change too. */
function assertNotShared(node: unknown, what: string, source: Source): void {
  const anchor = (node as Node | null | undefined)?.anchor;
  const uses = anchor ? source.aliases.get(anchor) : undefined;
  if (!anchor || !uses) return;
  const lines = uses.map((offset) => lineOf(source, offset)).join(', ');
  throw new BumpError(
    `${source.file}:${lineOf(source, (node as Node).range?.[0] ?? 0)}: ${what} is anchored as &${anchor} and shared by *${anchor} (line ${lines}): editing it would change that too`,
    {
      hint: `Write the value out where *${anchor} is used (or drop the anchor), then bump again.`,
    },
  );
}

function assertEditable(entry: Entry, source: Source): void {
  const { file } = source;
  const line = lineOf(source, entry.item.range?.[0] ?? 0);
  if (isAlias(entry.item)) {
    throw new BumpError(
      `${file}:${line}: the images entry for ${entry.name} is an alias (*${entry.item.source}) of another entry: editing it would change both`,
      {
        hint: `Write the entry for ${entry.name} out in full instead of *${entry.item.source}, then bump again.`,
      },
    );
  }
  assertNotShared(entry.map, `the images entry for ${entry.name}`, source);
  for (const pair of entry.map.items) {
    const key = keyOf(pair);
    if (key === '<<') {
      throw new BumpError(
        `${file}:${line}: the images entry for ${entry.name} takes fields from a merge key (<<): editing it could not clear or change them`,
        {
          hint: `Write the fields of ${entry.name} out in the entry instead of the merge key, then bump again.`,
        },
      );
    }
    if (key === undefined || !IMAGE_KEYS.includes(key)) {
      throw new BumpError(
        `${file}:${line}: the images entry for ${entry.name} has the key ${JSON.stringify(key ?? '?')}, which kustomize does not know`,
        {
          hint: `An images entry holds only ${IMAGE_KEYS.join(', ')}: remove the other key (kustomize refuses the file with it).`,
          exitCode: 2,
        },
      );
    }
    const value = pair.value as Node | null;
    if (value && !isScalar(value) && !isAlias(value)) {
      throw new BumpError(
        `${file}:${lineOf(source, value.range?.[0] ?? 0)}: \`${key}\` of the images entry for ${entry.name} is not a single value`,
        {
          hint: `Write \`${key}:\` as a plain string.`,
          exitCode: 2,
        },
      );
    }
  }
}

/**
 * kustomize decodes with Go's encoding/json, which matches keys without regard to case: `Images:` or
 * `NewTag:` are read as `images:` and `newTag:`. This editor matches keys exactly, so it refuses them.
 */
function refuseCaseVariants(root: YAMLMap | undefined, entries: readonly Entry[], source: Source): void {
  const check = (pairs: readonly Pair[], known: readonly string[]) => {
    for (const pair of pairs) {
      const key = keyOf(pair);
      const meant = known.find((name) => key !== undefined && key !== name && key.toLowerCase() === name.toLowerCase());
      if (!meant) continue;
      throw new BumpError(
        `${source.file}:${lineOf(source, (pair.key as Node).range?.[0] ?? 0)}: kustomize reads \`${key}\` as \`${meant}\` (it ignores the case of keys), this tool does not`,
        {
          hint: `Write the key as \`${meant}\`, then bump again.`,
          exitCode: 2,
        },
      );
    }
  };
  check(root?.items ?? [], ['images', 'imageTags']);
  for (const entry of entries) check(entry.map.items, IMAGE_KEYS);
}

function duplicateEntries(name: string, matching: readonly Entry[], source: Source): BumpError {
  const lines = matching.map((entry) => lineOf(source, entry.item.range?.[0] ?? 0)).join(' and ');
  return new BumpError(`${source.file}: \`images\` lists ${name} more than once (lines ${lines})`, {
    hint: `kustomize build applies the entries one after the other, and \`kustomize edit set image\` would merge them into one: keep a single entry for ${name}, then bump again.`,
    exitCode: 2,
  });
}

/** `imageTags:` (deprecated) is read after `images:`: an entry there would override the one this edit sets. */
function refuseDeprecatedImageTags(root: YAMLMap | undefined, settings: readonly ImageSetting[], source: Source): void {
  const list = resolved(root?.items.find((pair) => keyOf(pair) === 'imageTags')?.value, source);
  if (!isSeq(list)) return;
  for (const item of list.items) {
    const map = resolved(item, source);
    const name = isMap(map) ? scalarText(resolved(map.get('name', true), source)) : undefined;
    if (name !== undefined && settings.some((setting) => setting.name === name)) {
      throw new BumpError(
        `${source.file}:${lineOf(source, (item as Node).range?.[0] ?? 0)}: ${name} is set by the deprecated \`imageTags:\`, which kustomize applies after \`images:\``,
        {
          hint: 'Move the `imageTags:` entries into `images:` (`kustomize edit fix` does it), then bump again.',
          exitCode: 2,
        },
      );
    }
  }
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

function isNullScalar(node: unknown): boolean {
  return isScalar(node) && (node.value === null || node.value === undefined);
}

function fieldsOf(entry: YAMLMap, source: Source): ImageFields {
  const fields: ImageFields = {};
  for (const key of VALUE_FIELDS) {
    const value = scalarText(resolved(entry.get(key, true), source));
    if (value !== undefined && value !== '') fields[key] = value;
  }
  return fields;
}

function sameFields(a: ImageFields, b: ImageFields): boolean {
  return VALUE_FIELDS.every((key) => (a[key] ?? '') === (b[key] ?? ''));
}

function pairFor(entry: YAMLMap, key: string): Pair<Node, Node> | undefined {
  return entry.items.find((pair) => keyOf(pair) === key) as Pair<Node, Node> | undefined;
}

/** Whether the value as written reads as exactly `wanted` for kustomize (YAML 1.1) and for YAML 1.2 tools. */
function readsAs(node: Scalar, wanted: string): boolean {
  if (node.type === Scalar.PLAIN) return plainReadsAs(node.source as string, wanted);
  if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) return node.value === wanted;
  return false;
}

/** Edits that make an existing entry hold exactly `after` (and no tagSuffix, as kustomize's set-image). */
function editEntry(source: Source, entry: YAMLMap, after: ImageFields): TextEdit[] {
  const { text } = source;
  const edits: TextEdit[] = [];
  const removed: Pair[] = [];
  const tagSuffix = pairFor(entry, 'tagSuffix');
  if (tagSuffix) removed.push(tagSuffix);
  for (const key of VALUE_FIELDS) {
    const pair = pairFor(entry, key);
    const wanted = after[key];
    const value = pair?.value;
    if (wanted === undefined) {
      if (pair) removed.push(pair);
    } else if (!pair) {
      continue;
    } else if (isAlias(value)) {
      const target = value.resolve(source.doc);
      if (!(isScalar(target) && readsAs(target, wanted)))
        edits.push({ start: value.range![0], end: value.range![1], text: renderScalar(wanted) });
    } else if (isScalar(value) && value.range && !isNullScalar(value)) {
      if (!readsAs(value, wanted)) {
        assertNotShared(value, `\`${key}\` of ${scalarText(entry.get('name', true))}`, source);
        edits.push(rewriteValue(text, value, wanted));
      }
    } else {
      assertNotShared(value, `\`${key}\` of ${scalarText(entry.get('name', true))}`, source);
      edits.push(fillEmptyValue(text, pair, renderValue(wanted, source.json || writesJson(entry))));
    }
  }
  for (const pair of removed)
    assertNotShared(pair.value, `\`${keyOf(pair)}\` of ${scalarText(entry.get('name', true))}`, source);
  edits.push(...removePairs(text, entry, removed));
  const kept = entry.items.filter((pair) => !removed.includes(pair));
  for (const key of VALUE_FIELDS) {
    if (after[key] !== undefined && !pairFor(entry, key)) edits.push(insertPair(source, entry, kept, key, after[key]));
  }
  return edits;
}

/** `newTag:` with no value (or `~`): the value goes right after the colon. */
/**
 * Removes pairs from a mapping. A run of removed pairs at the start of the mapping (on the `- ` line of a
 * block entry, or after `{`) is cut up to the first kept key, which moves into its place.
 */
function removePairs(text: string, entry: YAMLMap, removed: readonly Pair[]): TextEdit[] {
  const edits: TextEdit[] = [];
  const items = entry.items;
  const firstKept = items.findIndex((pair) => !removed.includes(pair));
  const keyStart = (pair: Pair) => (pair.key as Scalar).range![0];
  const onOwnLine = (pair: Pair) =>
    text
      .slice(lineStartOf(text, keyStart(pair)), keyStart(pair))
      .replace(/^\uFEFF/, '')
      .trim() === '';
  for (const [index, pair] of items.entries()) {
    if (!removed.includes(pair)) continue;
    const start = keyStart(pair);
    const leading = index < firstKept;
    if (entry.flow) {
      if (leading) {
        if (index === 0) edits.push({ start, end: keyStart(items[firstKept]!), text: '' });
      } else {
        edits.push({ start: pairEnd(items[index - 1]!), end: pairEnd(pair), text: '' });
      }
      continue;
    }
    if (index === 0 && !onOwnLine(pair)) {
      // `- newTag: x` as the first pair of an entry: the first kept key moves up onto the dash line.
      edits.push({ start, end: keyStart(items[firstKept]!), text: '' });
    } else if (!(leading && !onOwnLine(items[0]!))) {
      // (A removed pair after a removed dash-line pair went with that cut.)
      edits.push({ start: lineStartOf(text, start), end: lineBoundaryAfter(text, pairEnd(pair)), text: '' });
    }
  }
  return edits;
}

function insertPair(source: Source, entry: YAMLMap, kept: readonly Pair[], key: FieldKey, value: string): TextEdit {
  const order = FIELD_ORDER.indexOf(key);
  const known = (pair: Pair) => (FIELD_ORDER as readonly string[]).includes(keyOf(pair) ?? '');
  const previous =
    [...kept].reverse().find((pair) => known(pair) && FIELD_ORDER.indexOf(keyOf(pair) as FieldKey) < order) ??
    kept[kept.length - 1]!;
  return insertPairs(source.text, entry, previous, [renderField(key, value, source.json || writesJson(entry))]);
}

/** A flow mapping whose keys are all double-quoted is JSON (`{"name": "app"}`). */
function writesJson(map: YAMLMap | undefined): boolean {
  return (
    !!map?.flow &&
    map.items.length > 0 &&
    map.items.every((pair) => isScalar(pair.key) && pair.key.type === Scalar.QUOTE_DOUBLE)
  );
}

function renderValue(value: string, json = false): string {
  return json ? JSON.stringify(value) : renderScalar(value);
}

function renderField(key: string, value: string, json = false): string {
  return `${json ? JSON.stringify(key) : key}: ${renderValue(value, json)}`;
}

function renderedFields(name: string, fields: ImageFields, json = false): string[] {
  return [
    renderField('name', name, json),
    ...VALUE_FIELDS.filter((k) => fields[k] !== undefined).map((k) => renderField(k, fields[k]!, json)),
  ];
}

function renderFlowEntry(name: string, fields: ImageFields, json = false): string {
  return `{${renderedFields(name, fields, json).join(', ')}}`;
}

function renderBlockEntry(
  name: string,
  fields: ImageFields,
  dashColumn: number,
  keyOffset: number,
  eol: string,
): string {
  const dash = `${' '.repeat(dashColumn)}-${' '.repeat(Math.max(1, keyOffset - 1))}`;
  const continuation = ' '.repeat(dashColumn + Math.max(2, keyOffset));
  return renderedFields(name, fields)
    .map((line, i) => `${i === 0 ? dash : continuation}${line}${eol}`)
    .join('');
}

/** The `-` of a block sequence item: the last dash before the item that starts its line's content. */
function dashOf(text: string, itemStart: number): number {
  for (let at = itemStart - 1; at >= 0; at--) {
    if (text[at] !== '-' || !/[ \t\r\n]/.test(text[at + 1] ?? '')) continue;
    if (
      text
        .slice(lineStartOf(text, at), at)
        .replace(/^\uFEFF/, '')
        .trim() === ''
    )
      return at;
  }
  return lineStartOf(text, itemStart);
}

/** Where a flow sequence item starts, its anchor or tag included: just after the `[` or `,` before it. */
function flowItemStart(text: string, valueStart: number): number {
  let at = Math.max(text.lastIndexOf(',', valueStart - 1), text.lastIndexOf('[', valueStart - 1)) + 1;
  while (/[ \t\r\n]/.test(text[at] ?? '')) at++;
  return at;
}

/** New entries go where name order puts them among the existing ones (kustomize keeps the list sorted). */
function insertEntries(
  source: Source,
  images: YAMLSeq,
  entries: readonly Entry[],
  added: readonly { setting: ImageSetting; fields: ImageFields }[],
): TextEdit[] {
  const { text, eol } = source;
  const following = (name: string) => entries.find((entry) => entry.name !== undefined && entry.name > name);
  const json = source.json || entries.some((entry) => writesJson(entry.map));
  if (images.flow) {
    const groups = new Map<Entry | undefined, string[]>();
    for (const { setting, fields } of added) {
      const before = following(setting.name);
      groups.set(before, [...(groups.get(before) ?? []), renderFlowEntry(setting.name, fields, json)]);
    }
    return [...groups].map(([before, rendered]) => {
      const joined = rendered.join(', ');
      if (before) {
        const at = flowItemStart(text, before.item.range![0]);
        return { start: at, end: at, text: `${joined}, ` };
      }
      const last = entries[entries.length - 1];
      if (last) return { start: last.item.range![1], end: last.item.range![1], text: `, ${joined}` };
      const open = text.indexOf('[', images.range![0]);
      return { start: open + 1, end: open + 1, text: joined };
    });
  }
  const first = entries[0]!;
  const dash = dashOf(text, first.item.range![0]);
  const dashColumn = columnOf(text, dash);
  const afterDash = /^-[ \t]+(?=[^ \t\r\n#])/.exec(text.slice(dash));
  const keyOffset = afterDash ? afterDash[0].length : 2;
  return added.map(({ setting, fields }) => {
    const rendered = renderBlockEntry(setting.name, fields, dashColumn, keyOffset, eol);
    const before = following(setting.name);
    if (before) {
      const at = startOfCommentsAbove(text, lineStartOf(text, dashOf(text, before.item.range![0])));
      return { start: at, end: at, text: rendered };
    }
    const last = entries[entries.length - 1]!;
    const at = lineBoundaryAfter(text, last.item.range![1]);
    const needsBreak = at === text.length && !text.endsWith('\n');
    return { start: at, end: at, text: `${needsBreak ? eol : ''}${rendered}` };
  });
}

/** Comment lines directly above an entry belong to it: a new entry goes above them, not between. */
function startOfCommentsAbove(text: string, lineStart: number): number {
  let at = lineStart;
  while (at > 0) {
    const previousStart = lineStartOf(text, at - 1);
    if (!/^\uFEFF?[ \t]*#/.test(text.slice(previousStart, at))) break;
    at = previousStart;
  }
  return at;
}

function createImagesList(
  source: Source,
  root: YAMLMap | undefined,
  imagesPair: Pair | undefined,
  added: readonly { setting: ImageSetting; fields: ImageFields }[],
): TextEdit {
  const { text, doc, eol } = source;
  if (root?.flow) {
    const rendered = added.map(({ setting, fields }) => renderFlowEntry(setting.name, fields, source.json)).join(', ');
    if (imagesPair) return fillEmptyValue(text, imagesPair, `[${rendered}]`);
    // Right after the last pair, so that a closing brace on its own line stays there.
    const last = root.items.at(-1);
    const at = last ? pairEnd(last) : text.indexOf('{', root.range![0]) + 1;
    return { start: at, end: at, text: `${last ? ', ' : ''}${source.json ? '"images"' : 'images'}: [${rendered}]` };
  }
  const keyColumn = root && root.items[0] ? columnOf(text, (root.items[0].key as Scalar).range![0]) : 0;
  const dashOffset = sequenceIndent(text, doc);
  const body = added
    .map(({ setting, fields }) => renderBlockEntry(setting.name, fields, keyColumn + dashOffset, 2, eol))
    .join('');
  if (imagesPair) {
    // `images:` or `images: ~` with nothing in it: the list goes on the following lines.
    const value = imagesPair.value as Node | null;
    const at = nextLineStart(text, (imagesPair.key as Scalar).range![1]);
    const needsBreak = at === text.length && !text.endsWith('\n');
    const start = value?.range && value.range[1] > value.range[0] ? value.range[0] : at;
    return {
      start,
      end: start === at ? at : value!.range![1],
      text: start === at ? `${needsBreak ? eol : ''}${body}` : `${eol}${body.slice(0, -eol.length)}`,
    };
  }
  const end = documentEnd(text, doc);
  const before = text.slice(0, end).replace(/^\uFEFF/, '');
  const needsBreak = before !== '' && !before.endsWith('\n');
  return { start: end, end, text: `${needsBreak ? eol : ''}${' '.repeat(keyColumn)}images:${eol}${body}` };
}

/** Where the document's content ends: before a `...` marker, otherwise the end of the text. */
function documentEnd(text: string, doc: Document.Parsed): number {
  const marker = /^\.\.\.[ \t]*$/m.exec(text.slice(doc.range[0]));
  return marker ? doc.range[0] + marker.index : text.length;
}

/** How far the file indents `- ` under its parent key (0 for kustomize's own style). */
function sequenceIndent(text: string, doc: Document.Parsed): number {
  const root = doc.contents;
  if (!isMap(root)) return 0;
  for (const pair of root.items) {
    const value = pair.value as Node | null;
    const first = isSeq(value) ? (value.items[0] as Node | undefined) : undefined;
    if (isSeq(value) && !value.flow && first?.range && isScalar(pair.key) && pair.key.range) {
      return Math.max(0, columnOf(text, dashOf(text, first.range[0])) - columnOf(text, pair.key.range[0]));
    }
  }
  return 0;
}
