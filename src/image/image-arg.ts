import { UsageError } from '../failures/errors.js';

/** Written for newName, newTag or digest: keep the value the existing entry already has. */
export const PRESERVE = '*';

/** One parsed argument: the entry `name` and the fields to set. Absent field = cleared; PRESERVE = keep old value. */
export interface ImageSetting {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

type ImageFields = Omit<ImageSetting, 'name'>;

const FIELDS = ['newName', 'newTag', 'digest'] as const;

const ACCEPTED_FORMS = [
  '<image>=<newimage>:<newtag>',
  '<image>=<newimage>@<digest>',
  '<image>=<newimage>:<newtag>@<digest>',
  '<image>=<newimage>',
  '<image>:<newtag>',
  '<image>:<newtag>@<digest>',
  '<image>@<digest>',
];

function invalidFormat(arg: string): UsageError {
  const forms = ACCEPTED_FORMS.map((form) => `- ${form}`).join('\n');
  return new UsageError(`invalid format of image ${JSON.stringify(arg)}, use one of the following options:\n${forms}`, {
    hint: `"*" as the new name, tag or digest keeps the value already in the kustomization, e.g. "app=*:1.4.2"`,
  });
}

export interface ImageParts {
  name: string;
  tag: string;
  digest: string;
}

/**
 * Splits `name[:tag][@digest]` like kustomize's image.Split. ":" and "@" only count from the first "/" on,
 * so the port of a registry is never read as a tag; nothing is validated here.
 */
export function splitImage(ref: string): ImageParts {
  const { name, tag = '', digest = '' } = splitImageSeparators(ref);
  return { name, tag, digest };
}

/** splitImage, telling "no tag" (undefined) from "nothing after the `:`" (''); the same for the digest. */
export function splitImageSeparators(ref: string): { name: string; tag?: string; digest?: string } {
  const slash = ref.indexOf('/');
  const from = slash > 0 ? slash : 0;
  const at = ref.indexOf('@', from);
  const colon = ref.indexOf(':', from);
  if (at < 0 && colon < 0) return { name: ref };
  if (at >= 0 && (colon < 0 || at < colon)) return { name: ref.slice(0, at), digest: ref.slice(at + 1) };
  if (at >= 0) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1, at), digest: ref.slice(at + 1) };
  return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}

export function parseImageArg(arg: string): ImageSetting {
  const eq = arg.indexOf('=');
  const key = eq < 0 ? '' : arg.slice(0, eq);
  const value = eq < 0 ? arg : arg.slice(eq + 1);
  const { name, tag, digest } = splitImage(value);
  // kustomize's only rejection: an argument that is nothing but a name.
  if (name === arg) throw invalidFormat(arg);

  // Like kustomize, an empty key ("=app:1") falls back to the name on the right.
  const setting: ImageSetting = { name: key === '' ? name : key };
  // Deliberately stricter than kustomize, which would write an entry without a name (":1", "=", "@sha256:…").
  if (setting.name === '') throw invalidFormat(arg);
  if (key !== '' && name !== '') setting.newName = name;
  if (tag !== '') setting.newTag = tag;
  if (digest !== '') setting.digest = digest;
  return setting;
}

export function parseImageArgs(args: readonly string[]): ImageSetting[] {
  if (args.length === 0) {
    throw new UsageError('no image specified', {
      hint: 'pass at least one image, e.g. "app=registry.example.com/team/app:1.4.2"',
    });
  }
  const settings = args.map(parseImageArg);
  // A Map keeps the position of the first occurrence while a later set() replaces the value: last one wins.
  const byName = new Map<string, ImageSetting>();
  for (const setting of settings) byName.set(setting.name, setting);
  return [...byName.values()];
}

/** Merge a setting onto an existing entry's fields the way kustomize's RunSetImage does (PRESERVE -> old value; resulting '*' with no old value -> field absent). */
export function applySetting(existing: ImageFields | undefined, setting: ImageSetting): ImageFields {
  const result: ImageFields = {};
  for (const field of FIELDS) {
    const given = setting[field];
    const value = given === PRESERVE ? existing?.[field] : given;
    // kustomize blanks any "*" still left after preserving, even one read from the file.
    if (value && value !== PRESERVE) result[field] = value;
  }
  return result;
}

/**
 * Whether the new image is known only once the files are read: a part kept from the file ("*"), or a new
 * name alone (kustomize keeps the tag the resources have).
 */
export function knownOnlyFromFiles(setting: ImageSetting): boolean {
  return FIELDS.some((field) => setting[field] === PRESERVE) || !(setting.newTag || setting.digest);
}

/** The full image reference the entry now points at, for messages: (newName ?? name) + (newTag ? ':'+newTag : '') + (digest ? '@'+digest : ''). */
export function describeImage(name: string, fields: ImageFields): string {
  return (
    (fields.newName || name) + (fields.newTag ? `:${fields.newTag}` : '') + (fields.digest ? `@${fields.digest}` : '')
  );
}
