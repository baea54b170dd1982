import { UsageError } from './errors.js';
import { PRESERVE, type ImageSetting } from './image-arg.js';

export interface ImageReferenceProblem {
  part: 'name' | 'registry' | 'path' | 'tag' | 'digest' | 'length';
  message: string;
}

const MAX_NAME_LENGTH = 255;
const HOST_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;
const PORT = /^[0-9]+$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const DIGEST_HEX = /^[0-9a-fA-F]{32,}$/;
/** Registered algorithms have a fixed length of lowercase hex; others only need the grammar's 32+ hex. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;

const HINTS: Record<ImageReferenceProblem['part'], string> = {
  name: 'write the image name exactly as the manifests use it, e.g. "app=registry.example.com/team/app:1.4.2"',
  registry: 'write the registry as host or host:port, e.g. "registry.example.com:5000/team/app"',
  path: 'use lowercase letters and digits, joined by ".", "_", "__" or "-", e.g. "team/my-app"',
  tag: 'use a tag such as "1.4.2" or "v1.4.2-rc.1"',
  digest: 'copy the digest as the registry reports it: "sha256:" followed by 64 lowercase hex characters',
  length: `shorten the registry and repository path to at most ${MAX_NAME_LENGTH} characters`,
};

const quote = (value: string): string => JSON.stringify(value);

function checkRegistry(registry: string): ImageReferenceProblem | null {
  const hostEnd = registry.startsWith('[') ? registry.indexOf(']') + 1 : registry.indexOf(':');
  const host = hostEnd > 0 ? registry.slice(0, hostEnd) : registry;
  const rest = hostEnd > 0 ? registry.slice(hostEnd) : '';
  const hostValid = IPV6_HOST.test(host) || host.split('.').every((part) => HOST_COMPONENT.test(part));
  if (hostValid && rest.startsWith(':') && !PORT.test(rest.slice(1))) {
    return { part: 'registry', message: `registry port ${quote(rest.slice(1))} in ${quote(registry)} is not valid: a port is digits only` };
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
    return { part: 'path', message: `repository path ${quote(path)} has an empty component: remove the leading, trailing or doubled "/"` };
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

/** A name without tag or digest: [registry/]path, where the first component is a registry only if it looks like a host. */
function checkImageName(name: string): ImageReferenceProblem | null {
  if (name === '') return { part: 'name', message: 'the image name is empty' };
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  const problem = (hasRegistry ? checkRegistry(first) : null) ?? checkPath(hasRegistry ? name.slice(slash + 1) : name);
  if (problem) return problem;
  if (name.length > MAX_NAME_LENGTH) {
    return {
      part: 'length',
      message: `image name ${quote(name.slice(0, 40) + '…')} is ${name.length} characters long; registry and path together can be at most ${MAX_NAME_LENGTH}`,
    };
  }
  return null;
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
  const invalid = (why: string): ImageReferenceProblem => ({ part: 'digest', message: `digest ${quote(digest)} is not valid: ${why}` });
  if (colon < 0) return invalid('a digest is "<algorithm>:<hex>", e.g. "sha256:" followed by 64 lowercase hex characters');
  if (!DIGEST_ALGORITHM.test(algorithm)) {
    return invalid(`the algorithm ${quote(algorithm)} must be letters and digits starting with a letter, parts joined by "+", ".", "_" or "-"`);
  }
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length !== undefined) {
    return new RegExp(`^[0-9a-f]{${length}}$`).test(hex) ? null : invalid(`${algorithm} needs exactly ${length} lowercase hex characters`);
  }
  return DIGEST_HEX.test(hex) ? null : invalid(`the part after "${algorithm}:" must be at least 32 hex characters`);
}

/** null when valid; otherwise which part is wrong and why, in words a user can act on. */
export function checkImageReference(ref: string): ImageReferenceProblem | null {
  if (ref === '') return { part: 'name', message: 'the image reference is empty' };
  const at = ref.indexOf('@');
  const withoutDigest = at < 0 ? ref : ref.slice(0, at);
  const colon = withoutDigest.indexOf(':', withoutDigest.lastIndexOf('/') + 1);
  const name = colon < 0 ? withoutDigest : withoutDigest.slice(0, colon);
  return (
    checkImageName(name) ??
    (colon < 0 ? null : checkTag(withoutDigest.slice(colon + 1))) ??
    (at < 0 ? null : checkDigest(ref.slice(at + 1)))
  );
}

/** The entry name only has to match what the manifests contain, so it is not held to the reference grammar. */
function checkEntryName(name: string): ImageReferenceProblem | null {
  if (name === '') return { part: 'name', message: 'the image name to match is empty' };
  if (WHITESPACE_OR_CONTROL.test(name)) {
    return { part: 'name', message: `the image name to match, ${quote(name)}, contains whitespace or control characters` };
  }
  // Nothing runs these names, but no image reference holds such characters, so the entry could never match.
  if (!/^[A-Za-z0-9._/:@[\]-]+$/.test(name)) {
    return { part: 'name', message: `the image name to match, ${quote(name)}, holds characters no image name has` };
  }
  return null;
}

function checkGiven(value: string | undefined, check: (value: string) => ImageReferenceProblem | null): ImageReferenceProblem | null {
  return value === undefined || value === PRESERVE ? null : check(value);
}

/** Check the reference a setting would produce (newName/name + tag + digest), skipping PRESERVE fields; throws UsageError naming the argument, the part and the fix. */
export function assertValidSetting(arg: string, setting: ImageSetting): void {
  const problem =
    checkEntryName(setting.name) ??
    checkGiven(setting.newName, checkImageName) ??
    checkGiven(setting.newTag, checkTag) ??
    checkGiven(setting.digest, checkDigest);
  if (problem) throw new UsageError(`image argument ${quote(arg)}: ${problem.message}`, { hint: HINTS[problem.part] });
}
