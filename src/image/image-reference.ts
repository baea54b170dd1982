/**
 * The container image reference grammar of distribution/reference (`reference := name [":" tag]
 * ["@" digest]`), checked part by part so that a refusal says which part is wrong and how to fix it.
 * It accepts exactly what that package's `Parse` accepts: the anchored `ReferenceRegexp`, a repository
 * path (without the domain) of at most 255 characters, and a digest of a registered algorithm.
 */
import { UsageError } from '../failures/errors.js';
import { PRESERVE, splitImageSeparators } from './image-arg.js';

export interface ImageReferenceProblem {
  part:
    'name' | 'registry' | 'path' | 'tag' | 'digest' | 'length' | 'nothing' | 'no-name' | 'empty-tag' | 'empty-digest';
  message: string;
}

const MAX_PATH_LENGTH = 255;
const HOST_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;
const DOMAIN_AND_PORT =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
const PORT = /^[0-9]+$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
/** The algorithms a registry verifies (go-digest's registered ones), each with its length of lowercase hex. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;

const EXAMPLE = '"app=registry.example.com/team/app:1.4.2"';
const HINTS: Record<ImageReferenceProblem['part'], string> = {
  name: `write the image name exactly as the manifests use it, e.g. ${EXAMPLE}`,
  registry: 'write the registry as host or host:port, e.g. "registry.example.com:5000/team/app"',
  path: 'use lowercase letters and digits, joined by ".", "_", "__" or "-", e.g. "team/my-app"',
  tag: 'use a tag such as "1.4.2" or "v1.4.2-rc.1"',
  digest:
    'copy the digest as the registry reports it: "sha256:" followed by 64 lowercase hex characters (sha384: 96, sha512: 128)',
  length: `shorten the repository path (what follows the registry) to at most ${MAX_PATH_LENGTH} characters`,
  nothing:
    `write the new image after "=", e.g. ${EXAMPLE}; if it is built from CI/CD variables, one of them is empty ` +
    '(a protected variable is empty in pipelines on unprotected branches)',
  'no-name':
    `write the new image's name before ":" or "@", e.g. ${EXAMPLE}; to change only the tag or digest, write "app:1.4.2" ` +
    'or keep the name already set with "*": "app=*:1.4.2"',
  'empty-tag':
    'a tag is needed after ":". "$CI_REGISTRY_IMAGE:$CI_COMMIT_TAG" ends in ":" outside a tag pipeline, where CI_COMMIT_TAG is empty: ' +
    'run the job only for tags (rules: - if: $CI_COMMIT_TAG) or use a tag every pipeline has, such as $CI_COMMIT_SHORT_SHA',
  'empty-digest':
    'a digest is needed after "@", e.g. "sha256:" followed by 64 lowercase hex characters; if it comes from a CI/CD variable, that variable is empty',
};

const quote = (value: string): string => JSON.stringify(value);

function checkRegistry(registry: string): ImageReferenceProblem | null {
  const hostEnd = registry.startsWith('[') ? registry.indexOf(']') + 1 : registry.indexOf(':');
  const host = hostEnd > 0 ? registry.slice(0, hostEnd) : registry;
  const rest = hostEnd > 0 ? registry.slice(hostEnd) : '';
  const hostValid = IPV6_HOST.test(host) || host.split('.').every((part) => HOST_COMPONENT.test(part));
  if (hostValid && rest.startsWith(':') && !PORT.test(rest.slice(1))) {
    return {
      part: 'registry',
      message: `registry port ${quote(rest.slice(1))} in ${quote(registry)} is not valid: a port is digits only`,
    };
  }
  if (hostValid && (rest === '' || rest.startsWith(':'))) return null;
  return {
    part: 'registry',
    message:
      `registry ${quote(registry)} is not valid: a registry is a host name of letters, digits and "-" in parts joined by "." ` +
      '(no part empty or starting or ending with "-"), or an IPv6 address in brackets, optionally followed by ":" and a port',
  };
}

function checkPath(path: string): ImageReferenceProblem | null {
  if (path === '') return { part: 'path', message: 'the image reference has no repository path' };
  const components = path.split('/');
  if (components.includes('')) {
    return {
      part: 'path',
      message: `repository path ${quote(path)} has an empty component: remove the leading, trailing or doubled "/"`,
    };
  }
  if (components.every((component) => PATH_COMPONENT.test(component.toLowerCase())) && path !== path.toLowerCase()) {
    return { part: 'path', message: `repository path ${quote(path)} must be lowercase` };
  }
  const invalid = components.find((component) => !PATH_COMPONENT.test(component));
  if (invalid === undefined) return null;
  return {
    part: 'path',
    message:
      `repository path component ${quote(invalid)} is not valid: a component is lowercase letters and digits, ` +
      'optionally joined by ".", "_", "__" or "-", and cannot start or end with one of those',
  };
}

function checkPathLength(path: string): ImageReferenceProblem | null {
  if (path.length <= MAX_PATH_LENGTH) return null;
  return {
    part: 'length',
    message: `repository path ${quote(path.slice(0, 40) + '…')} is ${path.length} characters long; it can be at most ${MAX_PATH_LENGTH} (the registry does not count)`,
  };
}

/** Written as a registry would be: docker's rule for telling a registry from a first path component. */
function looksLikeRegistry(component: string): boolean {
  return /[.:[\]]/.test(component) || component === 'localhost';
}

/**
 * A name without tag or digest: `[domain/]path`. As in distribution/reference, the first component is
 * the domain whenever it is a valid host[:port] and more components follow; only the path counts
 * towards the length limit.
 */
function checkImageName(name: string): ImageReferenceProblem | null {
  if (name === '') return { part: 'name', message: 'the image name is empty' };
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash > 0 && DOMAIN_AND_PORT.test(first)) {
    const path = name.slice(slash + 1);
    const problem = checkPath(path);
    // "Team/App": the first component reads as a host, but the user meant a path: speak of the whole name.
    if (problem && !looksLikeRegistry(first) && checkPath(name)) return checkPath(name);
    return problem ?? checkPathLength(path);
  }
  if (slash > 0 && looksLikeRegistry(first) && !PATH_COMPONENT.test(first))
    return checkRegistry(first) ?? checkPath(name.slice(slash + 1));
  return checkPath(name) ?? checkPathLength(name);
}

function checkTag(tag: string): ImageReferenceProblem | null {
  if (TAG.test(tag)) return null;
  return {
    part: 'tag',
    message: `tag ${quote(tag)} is not valid: a tag is 1-128 characters of letters, digits, "_", "." and "-", and cannot start with "." or "-"`,
  };
}

function checkDigest(digest: string): ImageReferenceProblem | null {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, Math.max(colon, 0));
  const hex = digest.slice(colon + 1);
  const invalid = (why: string): ImageReferenceProblem => ({
    part: 'digest',
    message: `digest ${quote(digest)} is not valid: ${why}`,
  });
  if (colon < 0)
    return invalid('a digest is "<algorithm>:<hex>", e.g. "sha256:" followed by 64 lowercase hex characters');
  if (!DIGEST_ALGORITHM.test(algorithm)) {
    return invalid(
      `the algorithm ${quote(algorithm)} must be letters and digits starting with a letter, parts joined by "+", ".", "_" or "-"`,
    );
  }
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined)
    return invalid(`the algorithm ${quote(algorithm)} is not one registries verify: use sha256, sha384 or sha512`);
  return new RegExp(`^[0-9a-f]{${length}}$`).test(hex)
    ? null
    : invalid(`${algorithm} needs exactly ${length} lowercase hex characters`);
}

interface ReferenceParts {
  name: string;
  tag?: string;
  digest?: string;
}

/** Each part present is checked; `preserve` lets "*" stand for any part (kustomize: keep the value already set). */
function checkParts({ name, tag, digest }: ReferenceParts, preserve: boolean): ImageReferenceProblem | null {
  const given = (value: string, check: (value: string) => ImageReferenceProblem | null) =>
    preserve && value === PRESERVE ? null : check(value);
  if (name === '' && (tag !== undefined || digest !== undefined)) {
    return {
      part: 'no-name',
      message: `the image has no name before ${quote(tag !== undefined ? `:${tag}` : `@${digest}`)}`,
    };
  }
  return (
    given(name, checkImageName) ??
    (tag === undefined
      ? null
      : tag === ''
        ? { part: 'empty-tag', message: 'the tag after ":" is empty' }
        : given(tag, checkTag)) ??
    (digest === undefined
      ? null
      : digest === ''
        ? { part: 'empty-digest', message: 'the digest after "@" is empty' }
        : given(digest, checkDigest))
  );
}

/** null when `ref` is a valid reference; otherwise which part is wrong and why, in words a user can act on. */
export function checkImageReference(ref: string): ImageReferenceProblem | null {
  if (ref === '') return { part: 'name', message: 'the image reference is empty' };
  return checkParts(splitImageSeparators(ref), false);
}

/** The entry name only has to match what the manifests contain, so it is not held to the reference grammar. */
function checkEntryName(name: string): ImageReferenceProblem | null {
  if (name === '') return { part: 'name', message: 'the image name to match is empty' };
  if (WHITESPACE_OR_CONTROL.test(name)) {
    return {
      part: 'name',
      message: `the image name to match, ${quote(name)}, contains whitespace or control characters`,
    };
  }
  // Nothing runs these names, but no image reference holds such characters, so the entry could never match.
  if (!/^[A-Za-z0-9._/:@[\]-]+$/.test(name)) {
    return { part: 'name', message: `the image name to match, ${quote(name)}, holds characters no image name has` };
  }
  return null;
}

/**
 * A `kustomize edit set image` argument, held to the reference grammar wherever it names something new:
 * `NAME=NEWNAME[:TAG][@DIGEST]` (each new part may be "*"), `NAME:TAG[@DIGEST]`, `NAME@DIGEST`.
 * Refused although kustomize takes them, because each would remove the pin: nothing after "=", a new
 * image without a name (`app=:1`), and an empty tag or digest (`app=registry/app:`).
 */
export function checkImageArgument(arg: string): ImageReferenceProblem | null {
  const eq = arg.indexOf('=');
  const value = eq < 0 ? arg : arg.slice(eq + 1);
  const key = eq < 0 ? undefined : arg.slice(0, eq);
  if (key !== undefined && value === '') return { part: 'nothing', message: 'nothing follows "="' };
  const parts = splitImageSeparators(value);
  if (key) return checkEntryName(key) ?? checkParts(parts, true);
  // "app:1" and "=app:1": the name is the entry to match, and only the tag and digest are new.
  if (parts.tag === undefined && parts.digest === undefined)
    return { part: 'nothing', message: `${quote(value)} sets neither a new image nor a tag nor a digest` };
  return checkEntryName(parts.name) ?? checkParts({ ...parts, name: PRESERVE }, true);
}

/** Throws a UsageError naming the argument, the part that is wrong and the fix. */
export function assertValidImageArgument(arg: string): void {
  const problem = checkImageArgument(arg);
  if (problem) throw new UsageError(`image argument ${quote(arg)}: ${problem.message}`, { hint: HINTS[problem.part] });
}
