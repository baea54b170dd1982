/**
 * Which container images a kustomization's resources use, so that an `images:` entry that can match
 * nothing is caught: kustomize sets an image only where the entry's name equals the image's whole
 * name (registry and path, without tag or digest), and silently does nothing otherwise.
 */
import { readFile as readFileFromDisk, realpath } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isRecord } from '../failures/record.js';
import { splitImage } from '../image/image-arg.js';
import { documentsMentioning } from './documents-mentioning.js';
import { KUSTOMIZATION_FILE_NAMES } from './kustomization-file.js';
import { liesBelow, normalizeBelowRoot } from '../settings/relative-path.js';
import type { EditTarget } from './targets.js';
import { CONTAINER_LIST_KEYS as CONTAINER_LISTS } from '../yaml/image-fields.js';

/** Reads a repository file by its repository-relative path; undefined when there is no such file. */
export type ReadRepositoryFile = (path: string) => Promise<string | undefined>;

/** Resource fields that name other kustomizations or manifests, in kustomize's order. */
const RESOURCE_FIELDS = ['resources', 'bases', 'components'] as const;

/** Reads repository-relative paths from the files below `root`; undefined for what is missing or (through a link) outside. */
export function readInside(root: string): ReadRepositoryFile {
  const realRoot = realpath(root).catch(() => resolve(root));
  return async (path) => {
    try {
      const real = await realpath(resolve(root, path));
      if (!liesBelow(await realRoot, real)) return undefined;
      return await readFileFromDisk(real, 'utf8');
    } catch {
      return undefined;
    }
  };
}

/**
 * The same, reading through `readFile` (for example blobs of a sparse, blobless clone). Paths given
 * to `readFile` are repository-relative, with "/" separators, and never climb above the root.
 * Local resources are followed recursively (directories through their kustomization file, files as
 * multi-document YAML); remote ones (URLs, `github.com/…`) and unreadable ones are skipped. A nested
 * kustomization's own `images:` entries rename what it passes up, as in kustomize.
 * With `mentioning`, only the manifest documents whose text contains one of these strings are
 * parsed: the names are then those of these documents, some of the whole walk's.
 */
export async function imageNamesInResourcesWith(
  readFile: ReadRepositoryFile,
  kustomizationPath: string,
  mentioning?: readonly string[],
): Promise<string[]> {
  const path = normalizeBelowRoot(kustomizationPath);
  if (path === undefined) return [];
  const text = await readFile(path);
  if (text === undefined) return [];
  const walk: Walk = { readFile, mentioning, chain: new Set([path]), done: new Map() };
  const names = await namesFromResources(walk, firstDocument(text), posix.dirname(path));
  return [...names].sort();
}

/** `chain` is the path from the top to here (a resource already on it is a cycle); `done` remembers finished resources. */
interface Walk {
  readFile: ReadRepositoryFile;
  mentioning: readonly string[] | undefined;
  chain: Set<string>;
  done: Map<string, Set<string>>;
}

/**
 * A warning when an `images:` entry name equals none of the images found, or undefined when it
 * matches one (or when no image was found at all, so nothing can be said).
 */
export function unmatchedImageWarning(names: readonly string[], settingName: string): string | undefined {
  if (names.length === 0 || names.includes(settingName)) return undefined;
  const similar = names.filter(
    (name) =>
      name.endsWith(`/${settingName}`) ||
      settingName.endsWith(`/${name}`) ||
      lastSegment(name) === lastSegment(settingName),
  );
  const suggestion = similar.length > 0 ? ` Did you mean ${similar.map((name) => `"${name}"`).join(' or ')}?` : '';
  return (
    `no container image named "${settingName}" in the resources (found: ${names.join(', ')}): ` +
    `kustomize sets an image only where the entry's name equals the image's whole name, registry and path included, so this entry changes nothing.${suggestion}`
  );
}

/** One warning per image setting that names no image of the resources. */
export function unmatchedImageWarnings(names: readonly string[], settings: readonly { name: string }[]): string[] {
  return settings.flatMap((setting) => unmatchedImageWarning(names, setting.name) ?? []);
}

/**
 * The warnings for every kustomization among `targets`, each prefixed with its directory. The names
 * in the documents that mention an entry's name are some of all the names, so an entry found there
 * matches: usually every entry is, and nothing else is parsed. Otherwise (a mismatch, a name reached
 * through a rename, an escaped spelling) the full walk decides, and lists every name in the warning.
 */
export async function unmatchedImageWarningsIn(
  targets: readonly EditTarget[],
  settings: readonly { name: string }[],
  readFile: ReadRepositoryFile,
): Promise<string[]> {
  const readOnce = readingOnce(readFile);
  const wanted = settings.map((setting) => setting.name);
  const warnings: string[] = [];
  for (const target of targets.filter((candidate) => candidate.kind === 'kustomization')) {
    const mentioned = await imageNamesInResourcesWith(readOnce, target.shown, wanted).catch((): string[] => []);
    if (wanted.every((name) => mentioned.includes(name))) continue;
    const names = await imageNamesInResourcesWith(readOnce, target.shown).catch(() => []);
    warnings.push(...unmatchedImageWarnings(names, settings).map((warning) => `${target.dir}: ${warning}`));
  }
  return warnings;
}

/** The name part of an image reference, split as kustomize splits it. */
export function imageName(reference: string): string {
  return splitImage(reference).name;
}

async function namesFromResources(walk: Walk, kustomization: unknown, dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  if (!isRecord(kustomization)) return names;
  for (const field of RESOURCE_FIELDS) {
    const entries = kustomization[field];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (typeof entry !== 'string' || isRemote(entry) || entry.startsWith('/')) continue;
      const path = normalizeBelowRoot(posix.join(dir, entry));
      if (path === undefined || walk.chain.has(path)) continue;
      let found = walk.done.get(path);
      if (!found) {
        walk.chain.add(path);
        found = await namesFromResource(walk, path).finally(() => walk.chain.delete(path));
        walk.done.set(path, found);
      }
      for (const name of found) names.add(name);
    }
  }
  return names;
}

/** One resource: a directory with a kustomization file, or a file of manifests. */
async function namesFromResource(walk: Walk, path: string): Promise<Set<string>> {
  // Most resources are files: read one as such first instead of probing it for a kustomization.
  if (/\.(ya?ml|json)$/i.test(path)) {
    const text = await walk.readFile(path);
    if (text !== undefined) return namesInManifests(text, walk.mentioning);
  }
  for (const fileName of KUSTOMIZATION_FILE_NAMES) {
    const kustomizationPath = path === '.' ? fileName : `${path}/${fileName}`;
    if (walk.chain.has(kustomizationPath)) return new Set();
    const text = await walk.readFile(kustomizationPath);
    if (text === undefined) continue;
    const kustomization = firstDocument(text);
    return renamed(await namesFromResources(walk, kustomization, path), kustomization);
  }
  const text = await walk.readFile(path);
  return text === undefined ? new Set() : namesInManifests(text, walk.mentioning);
}

/** What a nested kustomization's own `images:` entries turn the names into before passing them up. */
function renamed(names: Set<string>, kustomization: unknown): Set<string> {
  const entries = isRecord(kustomization) && Array.isArray(kustomization.images) ? kustomization.images : [];
  const renames = new Map<string, string>();
  for (const entry of entries) {
    if (isRecord(entry) && typeof entry.name === 'string' && typeof entry.newName === 'string' && entry.newName !== '')
      renames.set(entry.name, entry.newName);
  }
  return new Set([...names].map((name) => renames.get(name) ?? name));
}

function namesInManifests(text: string, mentioning: readonly string[] | undefined): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isRecord(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (CONTAINER_LISTS.has(key) && Array.isArray(value)) {
        for (const container of value) {
          if (isRecord(container) && typeof container.image === 'string' && container.image.trim() !== '')
            names.add(imageName(container.image.trim()));
        }
      }
      visit(value);
    }
  };
  for (const document of mentioning ? documentsMentioning(text, mentioning) : parseAllDocuments(text)) {
    if (document.errors.length === 0) visit(document.toJS());
  }
  return names;
}

function firstDocument(text: string): unknown {
  const [document] = parseAllDocuments(text);
  return document && document.errors.length === 0 ? document.toJS() : undefined;
}

/** Each file read once per check, however many walks ask for it. */
function readingOnce(readFile: ReadRepositoryFile): ReadRepositoryFile {
  const texts = new Map<string, Promise<string | undefined>>();
  return (path) => {
    const text = texts.get(path) ?? readFile(path);
    texts.set(path, text);
    return text;
  };
}

/** URLs, scp-like and go-getter forms: kustomize fetches these, they are not in the repository. */
function isRemote(entry: string): boolean {
  return (
    /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(entry) ||
    /^[^/]+@[^/]+:/.test(entry) ||
    entry.startsWith('git::') ||
    entry.includes('?') ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry)
  );
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}
