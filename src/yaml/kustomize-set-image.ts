import type { ImageSetting } from '../image/image-arg.js';

/**
 * A reference model of kustomize v5 `kustomize edit set image` (kustomize/commands/edit/set/setimage.go),
 * written from kustomize's code, independent of the editor it checks:
 * - the entries kustomize reads are `images:` followed by the deprecated `imageTags:` (FixKustomization
 *   appends them);
 * - one setting per name, the last argument for a name wins (a Go map keyed by name);
 * - an entry whose name has a setting is replaced by a fresh entry {name, newName, newTag, digest}: every
 *   field the argument does not give is cleared, `tagSuffix` included; `*` keeps the value of the first
 *   entry with that name, and a `*` left over (no old value) clears the field;
 * - several entries with that name become one;
 * - a name no entry has is added; kustomize then sorts the whole list by name.
 *
 * Where this project deliberately differs from kustomize, entries no argument names stay as they are
 * (kustomize would also drop duplicates among them, clear a literal `*` and move `imageTags:` into
 * `images:`), and entries keep their place (kustomize re-sorts the list). Neither changes what
 * `kustomize build` does with entries of distinct names, so results are compared sorted by name.
 */
export interface ModelEntry {
  /** The entry as a YAML reader returns it. */
  value: unknown;
  /** `name` as written; kustomize matches arguments on it. */
  name?: string;
  /** newName, newTag and digest as written: what a `*` keeps. */
  written: Partial<Record<ModelField, string>>;
}

const PRESERVE = '*';
const FIELDS = ['newName', 'newTag', 'digest'] as const;
type ModelField = (typeof FIELDS)[number];

export function kustomizeSetImage(entries: readonly ModelEntry[], settings: readonly ImageSetting[]): unknown[] {
  const byName = new Map<string, ImageSetting>();
  for (const setting of settings) byName.set(setting.name, setting);
  const result: unknown[] = [];
  const replaced = new Set<string>();
  for (const entry of entries) {
    const setting = entry.name === undefined ? undefined : byName.get(entry.name);
    if (!setting) {
      result.push(entry.value);
    } else if (!replaced.has(setting.name)) {
      replaced.add(setting.name);
      result.push(imageEntry(setting, entry.written));
    }
  }
  for (const setting of byName.values()) if (!replaced.has(setting.name)) result.push(imageEntry(setting, {}));
  return sortedByName(result);
}

function imageEntry(setting: ImageSetting, old: ModelEntry['written']): Record<string, string> {
  const entry: Record<string, string> = { name: setting.name };
  for (const field of FIELDS) {
    const given = setting[field];
    const value = given === PRESERVE ? old[field] : given;
    if (value && value !== PRESERVE) entry[field] = value;
  }
  return entry;
}

/** Entries in name order; entries of one name keep their relative order (kustomize applies them in turn). */
export function sortedByName(entries: readonly unknown[]): unknown[] {
  const nameOf = (entry: unknown) => {
    const name = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>).name : undefined;
    return typeof name === 'string' ? name : String(name ?? '');
  };
  return [...entries].sort((a, b) => {
    const [x, y] = [nameOf(a), nameOf(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
