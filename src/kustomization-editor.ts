import { isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq, Scalar } from 'yaml';
import { applySetting, describeImage, type ImageSetting } from './image-arg.js';
import { BumpError } from './errors.js';
import { applyEdits, columnOf, lineBreakOf, lineStartOf, nextLineStart, type TextEdit } from './text-edits.js';
import { replaceScalar } from './yaml-documents.js';
import { parseSingleDocument, renderScalar, scalarText } from './yaml-source.js';

export interface ImageFields {
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** What one `--image` argument did to one kustomization. */
export interface ImageChange {
  name: string;
  /** The entry's fields before the edit; undefined when the entry was added. */
  before?: ImageFields;
  after: ImageFields;
  previousImage?: string;
  newImage: string;
  changed: boolean;
}

export interface EditResult {
  text: string;
  changes: ImageChange[];
}

const FIELD_ORDER = ['name', 'newName', 'newTag', 'digest'] as const;
type FieldKey = (typeof FIELD_ORDER)[number];
const VALUE_FIELDS = ['newName', 'newTag', 'digest'] as const;

/**
 * `kustomize edit set image` on the text of a kustomization, changing only the bytes that must
 * change: comments, key order, quoting, indentation, line endings and entry order are kept.
 */
export function setImages(text: string, settings: readonly ImageSetting[], file = 'kustomization.yaml'): EditResult {
  const doc = parseSingleDocument(text, file);
  const root = rootMap(doc, file);
  const eol = lineBreakOf(text);
  const imagesPair = root?.items.find((pair) => keyOf(pair) === 'images');
  const images = imagesPair?.value;
  if (images && !isSeq(images) && !isNullScalar(images)) {
    throw new BumpError(`${file}: \`images\` must be a list of entries`, { hint: 'Write `images:` as a YAML list of `- name: …` entries.' });
  }
  const entries = isSeq(images) ? entryMaps(images, file) : [];

  const edits: TextEdit[] = [];
  const changes: ImageChange[] = [];
  const added: { setting: ImageSetting; fields: ImageFields }[] = [];
  for (const setting of settings) {
    const matching = entries.filter((entry) => scalarText(entry.get('name', true)) === setting.name);
    if (matching.length === 0) {
      const fields = applySetting(undefined, setting);
      added.push({ setting, fields });
      changes.push({ name: setting.name, after: fields, newImage: describeImage(setting.name, fields), changed: true });
      continue;
    }
    const before = fieldsOf(matching[0]!);
    const after = applySetting(before, setting);
    for (const entry of matching) edits.push(...editEntry(text, entry, after, eol));
    changes.push({
      name: setting.name,
      before,
      after,
      previousImage: describeImage(setting.name, before),
      newImage: describeImage(setting.name, after),
      changed: !sameFields(before, after),
    });
  }

  if (added.length > 0) {
    if (isSeq(images)) edits.push(...insertEntries(text, images, entries, added, eol));
    else edits.push(createImagesList(text, doc, root, imagesPair, added, eol));
  }
  return { text: applyEdits(text, edits), changes };
}

function rootMap(doc: Document.Parsed, file: string): YAMLMap | undefined {
  const contents = doc.contents;
  if (contents === null || isNullScalar(contents)) return undefined;
  if (!isMap(contents)) {
    throw new BumpError(`${file}: a kustomization must be a YAML mapping`, { hint: 'Check that the file is a Kustomization (apiVersion, kind, resources, images …).' });
  }
  return contents;
}

function entryMaps(images: YAMLSeq, file: string): YAMLMap[] {
  return images.items.map((item, index) => {
    if (!isMap(item)) throw new BumpError(`${file}: images[${index}] is not a mapping with a \`name\``, { hint: 'Each entry of `images:` is `- name: <image>` plus newName/newTag/digest.' });
    return item;
  });
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

function isNullScalar(node: unknown): boolean {
  return isScalar(node) && (node.value === null || node.value === undefined);
}

function fieldsOf(entry: YAMLMap): ImageFields {
  const fields: ImageFields = {};
  for (const key of VALUE_FIELDS) {
    const value = scalarText(entry.get(key, true));
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

/** Edits that make an existing entry hold exactly `after`: replace, insert or remove pairs. */
function editEntry(text: string, entry: YAMLMap, after: ImageFields, eol: string): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const key of VALUE_FIELDS) {
    const pair = pairFor(entry, key);
    const wanted = after[key];
    const current = pair ? scalarText(pair.value) : undefined;
    if (wanted === undefined) {
      if (pair) edits.push(removePair(text, entry, pair));
    } else if (pair && isScalar(pair.value) && pair.value.range && !isNullScalar(pair.value)) {
      if (current !== wanted) edits.push(replaceScalar(text, pair.value, wanted));
    } else if (pair) {
      edits.push(replaceNullValue(text, pair, wanted));
    } else {
      edits.push(insertPair(text, entry, key, wanted, eol));
    }
  }
  return edits;
}

/** `newTag:` with no value (or `~`): the value goes right after the colon. */
function replaceNullValue(text: string, pair: Pair, value: string): TextEdit {
  const colon = text.indexOf(':', (pair.key as Scalar).range![1]);
  const valueRange = (pair.value as Node | null)?.range;
  const end = valueRange && valueRange[1] > colon ? valueRange[1] : colon + 1;
  return { start: colon + 1, end, text: ` ${renderScalar(value)}` };
}

function removePair(text: string, entry: YAMLMap, pair: Pair): TextEdit {
  const index = entry.items.indexOf(pair);
  const keyStart = (pair.key as Scalar).range![0];
  const next = entry.items[index + 1];
  if (entry.flow) {
    const previous = entry.items[index - 1];
    if (previous) return { start: valueEnd(previous), end: valueEnd(pair), text: '' };
    return { start: keyStart, end: next ? (next.key as Scalar).range![0] : valueEnd(pair), text: '' };
  }
  const onOwnLine = text.slice(lineStartOf(text, keyStart), keyStart).trim() === '';
  if (onOwnLine) return { start: lineStartOf(text, keyStart), end: nextLineStart(text, valueEnd(pair)), text: '' };
  // `- newTag: x` as the first pair of an entry: the next key moves up onto the dash line.
  return { start: keyStart, end: next ? (next.key as Scalar).range![0] : valueEnd(pair), text: '' };
}

function valueEnd(pair: Pair): number {
  const value = pair.value as Node | null;
  if (value?.range) return value.range[1];
  return (pair.key as Scalar).range![1] + 1;
}

function insertPair(text: string, entry: YAMLMap, key: FieldKey, value: string, eol: string): TextEdit {
  const order = FIELD_ORDER.indexOf(key);
  const pairs = entry.items;
  const previous = [...pairs].reverse().find((pair) => FIELD_ORDER.indexOf(keyOf(pair) as FieldKey) < order && FIELD_ORDER.includes(keyOf(pair) as FieldKey)) ?? pairs[pairs.length - 1]!;
  const rendered = `${key}: ${renderScalar(value)}`;
  if (entry.flow) return { start: valueEnd(previous), end: valueEnd(previous), text: `, ${rendered}` };
  const indent = ' '.repeat(columnOf(text, (pairs[0]!.key as Scalar).range![0]));
  const at = nextLineStart(text, valueEnd(previous));
  const needsBreak = at === text.length && !text.endsWith('\n');
  return { start: at, end: at, text: `${needsBreak ? eol : ''}${indent}${rendered}${eol}` };
}

function renderFlowEntry(name: string, fields: ImageFields): string {
  const parts = [`name: ${renderScalar(name)}`, ...VALUE_FIELDS.filter((k) => fields[k] !== undefined).map((k) => `${k}: ${renderScalar(fields[k]!)}`)];
  return `{${parts.join(', ')}}`;
}

function renderBlockEntry(name: string, fields: ImageFields, dashColumn: number, keyOffset: number, eol: string): string {
  const lines = [`name: ${renderScalar(name)}`, ...VALUE_FIELDS.filter((k) => fields[k] !== undefined).map((k) => `${k}: ${renderScalar(fields[k]!)}`)];
  const dash = `${' '.repeat(dashColumn)}-${' '.repeat(Math.max(1, keyOffset - 1))}`;
  const continuation = ' '.repeat(dashColumn + Math.max(2, keyOffset));
  return lines.map((line, i) => `${i === 0 ? dash : continuation}${line}${eol}`).join('');
}

/** New entries go where name order puts them among the existing ones (kustomize keeps the list sorted). */
function insertEntries(text: string, images: YAMLSeq, entries: YAMLMap[], added: { setting: ImageSetting; fields: ImageFields }[], eol: string): TextEdit[] {
  if (images.flow) {
    return added.map(({ setting, fields }) => {
      const rendered = renderFlowEntry(setting.name, fields);
      const before = entries.find((entry) => (scalarText(entry.get('name', true)) ?? '') > setting.name);
      if (before) return { start: before.range![0], end: before.range![0], text: `${rendered}, ` };
      const last = entries[entries.length - 1];
      if (last) return { start: last.range![1], end: last.range![1], text: `, ${rendered}` };
      const open = text.indexOf('[', images.range![0]);
      return { start: open + 1, end: open + 1, text: rendered };
    });
  }
  const firstKey = entries[0]!.items[0]!.key as Scalar;
  const keyColumn = columnOf(text, firstKey.range![0]);
  const dashColumn = columnOf(text, text.lastIndexOf('-', firstKey.range![0]));
  return added.map(({ setting, fields }) => {
    const rendered = renderBlockEntry(setting.name, fields, dashColumn, keyColumn - dashColumn, eol);
    const before = entries.find((entry) => (scalarText(entry.get('name', true)) ?? '') > setting.name);
    if (before) {
      const at = startOfCommentsAbove(text, lineStartOf(text, before.range![0]));
      return { start: at, end: at, text: rendered };
    }
    const lastPair = entries[entries.length - 1]!.items.at(-1)!;
    const at = nextLineStart(text, valueEnd(lastPair));
    const needsBreak = at === text.length && !text.endsWith('\n');
    return { start: at, end: at, text: `${needsBreak ? eol : ''}${rendered}` };
  });
}

/** Comment lines directly above an entry belong to it: a new entry goes above them, not between. */
function startOfCommentsAbove(text: string, lineStart: number): number {
  let at = lineStart;
  while (at > 0) {
    const previousStart = lineStartOf(text, at - 1);
    if (!/^[ \t]*#/.test(text.slice(previousStart, at))) break;
    at = previousStart;
  }
  return at;
}

function createImagesList(
  text: string,
  doc: Document.Parsed,
  root: YAMLMap | undefined,
  imagesPair: Pair | undefined,
  added: { setting: ImageSetting; fields: ImageFields }[],
  eol: string,
): TextEdit {
  const sorted = [...added].sort((a, b) => (a.setting.name < b.setting.name ? -1 : a.setting.name > b.setting.name ? 1 : 0));
  if (root?.flow) {
    const rendered = sorted.map(({ setting, fields }) => renderFlowEntry(setting.name, fields)).join(', ');
    if (imagesPair) return { ...replaceNullValue(text, imagesPair, ''), text: ` [${rendered}]` };
    const close = root.range![1] - 1;
    return { start: close, end: close, text: `${root.items.length ? ', ' : ''}images: [${rendered}]` };
  }
  const keyColumn = root && root.items[0] ? columnOf(text, (root.items[0].key as Scalar).range![0]) : 0;
  const dashOffset = sequenceIndent(text, doc);
  const body = sorted.map(({ setting, fields }) => renderBlockEntry(setting.name, fields, keyColumn + dashOffset, 2, eol)).join('');
  if (imagesPair) {
    // `images:` or `images: ~` with nothing in it: the list goes on the following lines.
    const value = imagesPair.value as Node | null;
    const at = nextLineStart(text, (imagesPair.key as Scalar).range![1]);
    const needsBreak = at === text.length && !text.endsWith('\n');
    const start = value?.range && value.range[1] > value.range[0] ? value.range[0] : at;
    return { start, end: start === at ? at : value!.range![1], text: start === at ? `${needsBreak ? eol : ''}${body}` : `${eol}${body.replace(new RegExp(`${eol}$`), '')}` };
  }
  const end = documentEnd(text, doc);
  const needsBreak = end > 0 && !text.slice(0, end).endsWith('\n');
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
    if (isSeq(value) && !value.flow && value.range && isScalar(pair.key) && pair.key.range) {
      const dash = text.lastIndexOf('-', value.items[0] && (value.items[0] as Node).range ? (value.items[0] as Node).range![0] : value.range[0]);
      return Math.max(0, columnOf(text, dash) - columnOf(text, pair.key.range[0]));
    }
  }
  return 0;
}
