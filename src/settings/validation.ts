import { UsageError } from '../failures/errors.js';
import { bumpBranchIsTargetError, bumpBranchName } from './bump-branch.js';
import type { OptionName } from './options.js';
import type { Reader } from './option-reader.js';
import { splitList } from './option-reader.js';
import { normalizeRelativePath, relativePathProblem } from './relative-path.js';
import { parsePlatform } from './platforms.js';
import type { PushSettings, RegistrySettings } from './types.js';
import { knownOnlyFromFiles, type ImageSetting } from '../image/image-arg.js';

/** The rules a value must meet before anything is cloned; each refusal says what is wrong and how to fix it. */

export const DEFAULT_MESSAGE = '[auto ci] Update {name} image to {image}';
export const MAX_TIMEOUT_SECONDS = 86_400;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PROJECT_PATH = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$/;
const ENV_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The merge-request branch must be a valid branch of its own, never the branch it is proposed into. */
export function checkBumpBranch(settings: PushSettings, source: string): void {
  if (settings.mode !== 'merge-request' && !settings.fallbackToMergeRequest) return;
  const bumpBranch = bumpBranchName(settings);
  if (!isValidBranchName(bumpBranch)) {
    throw new UsageError(
      `${source} ${JSON.stringify(settings.mergeRequest.branchTemplate)} makes no valid branch name`,
      {
        hint: 'Use a branch name with {env} and {app} where the environment and the app go, like image-bump/{env}/{app} (the default).',
      },
    );
  }
  if (settings.branch !== undefined && bumpBranch === settings.branch)
    throw bumpBranchIsTargetError(bumpBranch, source);
}

const SERVER_URL_HINT =
  'Give the GitLab URL alone, as in https://gitlab.example.com (or https://example.com/gitlab under a relative URL root): no user or token, query, fragment, spaces, backslashes or percent-escapes. The token is read from the variable named by --token-variable, never from the URL.';

/**
 * The server URL, refused unless git (curl) and Node read the same host, port and path from it: no
 * "@" or userinfo, "\\", whitespace, control characters, "%", query, fragment or dot segments (where
 * the two parsers differ, e.g. `http://a:1\\@b:2`). Returned in Node's canonical form, without a
 * trailing slash.
 */
export function checkServerUrl(raw: string | undefined, source: string): string {
  if (!raw)
    throw new UsageError('no GitLab server URL', {
      hint: 'Set --server-url to the GitLab URL, e.g. https://gitlab.example.com (in a GitLab job, $CI_SERVER_URL is used).',
    });
  const refuse = (what: string, shown = true) =>
    new UsageError(`${source} ${shown ? `${JSON.stringify(raw)} ` : ''}${what}`, { hint: SERVER_URL_HINT });
  // Never echoed when it may hold credentials.
  if (raw.includes('@')) throw refuse('must be a plain http(s) URL, without credentials or "@"', false);
  if (/[\0-\x20\x7f-\x9f]/.test(raw)) throw refuse('holds whitespace or control characters');
  if (/[\\%?#]/.test(raw)) throw refuse('holds a backslash, "%", a query or a fragment');
  const match = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?((\/[A-Za-z0-9._~-]+)*)\/*$/i.exec(raw);
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // refused below
  }
  if (!match || !url || /(^|\/)\.{1,2}(\/|$)/.test(match[3] ?? '')) {
    throw refuse('is not an http(s) URL of the form https://gitlab.example.com');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Digits only; an upper bound keeps a value from overflowing Node's timers (at most 2^31 - 1 ms). */
export function wholeNumber(
  raw: string,
  source: string,
  minimum: number,
  { maximum, unit }: { maximum?: number; unit?: string } = {},
): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < minimum || (maximum !== undefined && value > maximum)) {
    const range = maximum === undefined ? `of at least ${minimum}` : `from ${minimum} to ${maximum}`;
    throw new UsageError(`${source} must be a whole number ${range}, not ${JSON.stringify(raw)}`, {
      hint: `Write it in digits only, without a sign or unit${unit ? `: ${unit}` : ''}.`,
    });
  }
  return value;
}

/** Git refuses a commit with an empty subject, after cloning: refuse the template before. */
export function readMessageTemplate(read: Reader): string {
  const template = read.one('message') ?? DEFAULT_MESSAGE;
  // {previous} is empty for an image the overlay did not list yet.
  if (template.replace(/\{previous\}/g, '').trim() === '') {
    throw new UsageError(`${read.source('message')} ${JSON.stringify(template)} leaves the commit subject empty`, {
      hint: `Leave it out for the default ${JSON.stringify(DEFAULT_MESSAGE)}, or write a subject; {name}, {image}, {previous} and {env} are filled in.`,
    });
  }
  return template;
}

/** Characters git drops from the ends of a name (ident.c's crud), and a name of nothing else is refused. */
const GIT_IDENT_CRUD = /^[\0-\x20.,:;<>"\\']*$/;

/** The commit author, held to what git records as given: it refuses an empty name and silently drops "<", ">" and line breaks. */
export function readAuthor(read: Reader, serverHost: string): { name: string; email: string } {
  const name = read.one('author-name') ?? 'gitops-image-bump';
  const email = read.one('author-email') ?? `gitops-image-bump@noreply.${serverHost}`;
  const refuse = (option: OptionName, value: string, noun: string, why: string) =>
    new UsageError(`${read.source(option)} ${JSON.stringify(value)} is not ${noun} git can record: ${why}`, {
      hint: 'Give a plain name such as "GitOps Bot" and an address such as gitops-bot@example.com, or leave the options out for the default author.',
    });
  if (/[<>\p{Cc}]/u.test(name))
    throw refuse('author-name', name, 'a name', 'it holds "<", ">" or control characters, which git drops');
  if (GIT_IDENT_CRUD.test(name))
    throw refuse('author-name', name, 'a name', name === '' ? 'it is empty' : 'it has no letter or digit');
  if (email === '') throw refuse('author-email', email, 'an email', 'it is empty');
  if (/[<>\s\p{Cc}]/u.test(email))
    throw refuse('author-email', email, 'an email', 'it holds "<", ">", whitespace or control characters');
  return { name, email };
}

/** --target-env (repeated or listed), else the drop-in TARGET_ENV; each name once. */
export function readEnvironmentNames(read: Reader, dropInTargetEnv: string | undefined): string[] {
  const names = read.many('target-env').flatMap(splitList);
  if (names.length === 0 && dropInTargetEnv) names.push(...splitList(dropInTargetEnv));
  for (const name of names) {
    if (!ENV_NAME.test(name) || name === '.' || name === '..' || name.toLowerCase() === '.git') {
      throw new UsageError(`target env ${JSON.stringify(name)} is not a valid environment name`, {
        hint: 'An environment is one directory name under the overlays directory: letters, digits, ".", "_" and "-".',
      });
    }
  }
  return [...new Set(names)];
}

/**
 * A relative path inside the repository (or the working directory), normalised: no absolute paths, no
 * `..` above the root, no control characters, and nothing through `.git` (git's own files are never edited).
 */
export function checkRelativePath(
  raw: string,
  source: string,
  inside = 'repository',
  allowRoot = false,
  noun = 'directory',
): string {
  const problem = relativePathProblem(raw, { allowRoot });
  const example = 'Give a relative path such as manifests/overlays/prod';
  if (problem === 'control') {
    throw new UsageError(`${source} ${JSON.stringify(raw)} contains control characters`, {
      hint: `${example}: a line break or tab in a path is usually a stray character in a CI/CD variable.`,
    });
  }
  if (problem === 'git-dir') {
    throw new UsageError(`${source} ${JSON.stringify(raw)} goes through .git, which holds git's own files`, {
      hint: `${example}: the files git tracks are edited, nothing under .git is ever read or written.`,
    });
  }
  if (problem) {
    throw new UsageError(`${source} ${JSON.stringify(raw)} must be a ${noun} inside the ${inside}`, {
      hint:
        inside === 'repository'
          ? `${example}, without ".." or a leading "/".`
          : 'Give a path inside the working directory, relative (overlays/prod) or absolute below it; to edit files elsewhere, run the command from a directory that holds them (cd there first).',
    });
  }
  return normalizeRelativePath(raw);
}

/** The subset of git-check-ref-format that matters for a branch given by a user. */
export function isValidBranchName(name: string): boolean {
  return (
    name.length > 0 &&
    !/[\0-\x20\x7f~^:?*[\\]/.test(name) &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.') &&
    !name.endsWith('.lock') &&
    !name.includes('..') &&
    !name.includes('@{') &&
    !name.includes('//') &&
    name !== '@'
  );
}

/** A GitLab project path: group/subgroup/project, without "." or ".." parts. */
export function checkProject(project: string): string {
  if (!PROJECT_PATH.test(project) || project.split('/').some((part) => part === '..' || part === '.')) {
    throw new UsageError(project ? `project "${project}" is not a GitLab project path` : 'no GitOps project given', {
      hint: 'Set --project to the path of the GitOps project, as in its URL, e.g. group/subgroup/project.',
    });
  }
  return project;
}

/** The NAME of the variable that holds the token; its value is never shown, as it may be the token itself. */
export function checkTokenVariable(tokenVariable: string, source: string): string {
  if (!VARIABLE_NAME.test(tokenVariable)) {
    // The value is never shown: it may be the token itself.
    throw new UsageError(
      `${source} must be the NAME of the environment variable that holds the token (letters, digits and "_"), not a value`,
      {
        hint: 'Store the token in a protected, masked CI/CD variable (e.g. GITLAB_PUSHER_TOKEN) and pass its name. If the token itself was given here, treat it as exposed and rotate it.',
      },
    );
  }
  return tokenVariable;
}

/** A --helm-path: keys joined by dots. */
export function checkHelmPath(path: string): void {
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path))
    throw new UsageError(`--helm-path ${JSON.stringify(path)} is not a dot path of keys`, {
      hint: 'Write it like image or backend.image.',
    });
}

/**
 * --verify-image, --pin-digest and --require-platform. Pinning and platforms need the registry's answer,
 * so they raise warn (the default) to require; with off they are refused rather than silently dropped.
 * Pinning also needs the tag to resolve before the edit: a "*" kept from the file is refused with it.
 */
export function readRegistrySettings(read: Reader, images: readonly ImageSetting[]): RegistrySettings {
  const mode = read.one('verify-image') ?? 'warn';
  if (mode !== 'off' && mode !== 'warn' && mode !== 'require') {
    throw new UsageError(`${read.source('verify-image')} must be off, warn or require, not ${JSON.stringify(mode)}`, {
      hint: 'warn (the default) reports an image the registry does not have and goes on; require stops the bump; off asks no registry.',
    });
  }
  const pinDigest = read.flag('pin-digest');
  const requirePlatforms = read
    .many('require-platform')
    .flatMap(splitList)
    .map((raw) => parsePlatform(raw, read.source('require-platform')));
  const needs = [
    ...(pinDigest ? [read.source('pin-digest')] : []),
    ...(requirePlatforms.length > 0 ? [read.source('require-platform')] : []),
  ];
  if (mode === 'off' && needs.length > 0) {
    throw new UsageError(`${needs.join(' and ')} cannot work with ${read.source('verify-image')} off`, {
      hint: `${needs.join(' and ')} ask the registry about the image: leave --verify-image out (they make it require), or set it to require.`,
    });
  }
  if (pinDigest) {
    const kept = images.find(knownOnlyFromFiles);
    if (kept) {
      throw new UsageError(
        `${read.source('pin-digest')} needs each new tag in the argument, but the one for ${JSON.stringify(kept.name)} ${kept.newTag || kept.digest ? 'keeps a "*" from the file' : 'gives no tag'}`,
        {
          hint: 'Give the new name and tag, e.g. app=registry.example.com/team/app:1.4.2: the digest is resolved before the files are read, so a value kept from them cannot be pinned.',
        },
      );
    }
  }
  return { verifyImage: needs.length > 0 ? 'require' : mode, pinDigest, requirePlatforms };
}
