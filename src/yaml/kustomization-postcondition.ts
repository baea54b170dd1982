import { isDeepStrictEqual } from 'node:util';
import { isAlias, isMap, isSeq, type Document, type Node } from 'yaml';
import { editWouldCorrupt } from './edit-check.js';
import type { ImageSetting } from '../image/image-arg.js';
import { kustomizeSetImage, sortedByName, type ModelEntry } from './kustomize-set-image.js';
import { keyText } from './documents.js';
import { scalarText } from './source.js';
import { composeDocuments, readYamlSource, type YamlSource, type YamlVersion } from './yaml-source.js';

const IMAGE_KEYS = ['images', 'imageTags'];
const WRITTEN_FIELDS = ['newName', 'newTag', 'digest'] as const;

/**
 * The kustomization editor's postcondition: the new text parses with no error and no new warning, in
 * YAML 1.2 and in YAML 1.1 (what kustomize's go-yaml reads), holds as many documents, keeps every key
 * but the images deep-equal, and its images are what kustomize's set-image makes of the old ones.
 * Throws `editWouldCorrupt` otherwise. `before` may come as the editor read it (with its CST), so that
 * it is not read again.
 */
export function assertKustomizationEdit(
  before: string | YamlSource,
  after: string,
  settings: readonly ImageSetting[],
  file: string,
): void {
  // Each text is read into its CST once and composed in each version (only the composer depends on it).
  const old = typeof before === 'string' ? readYamlSource(before) : before;
  const now = after === old.text ? old : readYamlSource(after);
  for (const version of ['1.2', '1.1'] as const) {
    const problem = differenceIn(old, now, settings, version);
    if (problem) throw editWouldCorrupt(file, problem);
  }
}

function differenceIn(
  before: YamlSource,
  after: YamlSource,
  settings: readonly ImageSetting[],
  version: YamlVersion,
): string | undefined {
  const old = parse(before, version);
  const now = parse(after, version);
  // The old text parses in YAML 1.2 (the editor refused it otherwise); what it already had in YAML 1.1
  // (`y:` and `yes:` are one key there) is not the edit's doing.
  const known = new Set(
    old.flatMap((doc) => [...doc.errors, ...doc.warnings]).map((problem) => firstLine(problem.message)),
  );
  const error = now.flatMap((doc) => doc.errors).find((e) => !known.has(firstLine(e.message)));
  if (error) return `the result does not parse as YAML ${version}: ${firstLine(error.message)}`;
  const warning = now.flatMap((doc) => doc.warnings).find((w) => !known.has(firstLine(w.message)));
  if (warning) return `the result has a new YAML ${version} warning: ${firstLine(warning.message)}`;
  if (now.length !== Math.max(old.length, 1))
    return `the result holds ${now.length} YAML documents instead of ${Math.max(old.length, 1)}`;

  const [oldRoot, newRoot] = [rootOf(old[0]), rootOf(now[0])];
  if (!isPlainObject(newRoot)) return 'the result is not a mapping';
  if (!isPlainObject(oldRoot)) return undefined;
  const keys = new Set([...Object.keys(oldRoot), ...Object.keys(newRoot)].filter((key) => key !== 'images'));
  for (const key of keys) {
    if (!isDeepStrictEqual(oldRoot[key], newRoot[key])) return `\`${key}\` would differ`;
  }
  const expected = kustomizeSetImage(old[0] ? modelEntries(old[0]) : [], settings);
  const actual = sortedByName(declaredImages(newRoot));
  if (!isDeepStrictEqual(actual, expected)) {
    return `images would read ${JSON.stringify(actual)} in YAML ${version}, kustomize's set image gives ${JSON.stringify(expected)}`;
  }
  return undefined;
}

function parse(source: YamlSource, version: YamlVersion): Document.Parsed[] {
  return composeDocuments(source, { version, uniqueKeys: true, logLevel: 'silent' });
}

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}

function rootOf(doc: Document.Parsed | undefined): unknown {
  if (!doc) return {};
  const value = doc.toJS({ maxAliasCount: -1 }) as unknown;
  return value === null || value === undefined ? {} : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What kustomize reads as the image list: `images` then the deprecated `imageTags`. */
function declaredImages(root: Record<string, unknown>): unknown[] {
  return IMAGE_KEYS.flatMap((key) => (Array.isArray(root[key]) ? (root[key] as unknown[]) : []));
}

/** The entries of `images` and `imageTags` with their names and fields as written, for the model. */
export function modelEntries(doc: Document.Parsed): ModelEntry[] {
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  const root = resolve(doc.contents);
  if (!isMap(root)) return [];
  const entries: ModelEntry[] = [];
  for (const key of IMAGE_KEYS) {
    const list = resolve(root.items.find((pair) => keyText(pair.key) === key)?.value);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      const entry = resolve(item);
      const value = (item as Node).toJS(doc, { maxAliasCount: -1 }) as unknown;
      const field = (name: string) =>
        isMap(entry) ? scalarText(resolve(entry.items.find((pair) => keyText(pair.key) === name)?.value)) : undefined;
      const written: ModelEntry['written'] = {};
      for (const name of WRITTEN_FIELDS) {
        const text = field(name);
        if (text !== undefined) written[name] = text;
      }
      entries.push({ value, name: field('name'), written });
    }
  }
  return entries;
}
