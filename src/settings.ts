import { parseArgs } from 'node:util';
import { posix } from 'node:path';
import { UsageError } from './errors.js';
import { parseImageArgs, type ImageSetting } from './image-arg.js';
import { assertValidSetting } from './image-reference.js';
import { environmentName, OPTIONS, type OptionName } from './options.js';
import { hasTargets, type TargetSpec } from './target-spec.js';

export type DowngradePolicy = 'fail' | 'skip' | 'allow';

export type PushMode = 'direct' | 'merge-request';

export interface MergeRequestSettings {
  branchTemplate: string;
  labels: string[];
  draft: boolean;
  autoMerge?: 'auto_merge' | 'merge_when_pipeline_succeeds';
}

export interface ImageSettings {
  /** The arguments as given, for messages. */
  imageArgs: string[];
  images: ImageSetting[];
  onDowngrade: DowngradePolicy;
  json: boolean;
}

export interface PushSettings extends ImageSettings {
  command: 'push';
  /** What to edit, relative to the repository root. */
  targets: TargetSpec;
  /** The target environments named (also with --skip-overlay). */
  environments: string[];
  overlaysDir: string;
  serverUrl: string;
  project: string;
  branch?: string;
  tokenVariable: string;
  messageTemplate: string;
  author: { name: string; email: string };
  dryRun: boolean;
  maxAttempts: number;
  timeoutSeconds: number;
  keepWorkdir?: string;
  mode: PushMode;
  fallbackToMergeRequest: boolean;
  mergeRequest: MergeRequestSettings;
  skipCi: boolean;
  reportFile?: string;
  expiryWarningDays: number;
  provenance: string[];
}

export interface EditSettings extends ImageSettings {
  command: 'edit';
  /** What to edit, relative to the working directory. */
  targets: TargetSpec;
}

export type Settings = PushSettings | EditSettings | { command: 'help' | 'version'; topic?: 'push' | 'edit' };

export const DEFAULT_MESSAGE = '[auto ci] Update {name} image to {image}';
const ENV_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PROJECT_PATH = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$/;

type Values = Partial<Record<OptionName, string | string[] | boolean>>;

/** Reads flags, then `IMAGE_BUMP_*`, then the drop-in variables of the hand-written job. Flags win. */
export function readSettings(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Settings {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command !== 'push' && command !== 'edit') {
    throw new UsageError(`unknown command "${command}"`, { hint: 'Use `gitops-image-bump push …` or `gitops-image-bump edit …` (see --help).' });
  }
  const values = parseFlags(command, rest);
  if (values.help) return { command: 'help', topic: command };
  if (values.version) return { command: 'version' };
  const read = reader(values, env);
  const images = readImages(read, env);
  if (command === 'edit') {
    const source = (name: OptionName) => read.source(name);
    const others = readFileTargets(read, (path, name) => checkRelativePath(path, source(name), 'working directory', false, 'path'));
    const dir = read.one('dir');
    const kustomizations = dir !== undefined || !hasTargets({ kustomizations: [], ...others }) ? [{ dir: checkRelativePath(dir ?? '.', source('dir'), 'working directory', true) }] : [];
    return { command, ...images, targets: { kustomizations, ...others } };
  }
  return readPushSettings(read, env, images);
}

function parseFlags(command: 'push' | 'edit', args: string[]): Values {
  const options = Object.fromEntries(
    Object.entries(OPTIONS)
      .filter(([, spec]) => (spec.commands as readonly string[]).includes(command))
      .map(([name, spec]) => [name, { type: spec.type, multiple: 'multiple' in spec ? spec.multiple : false }]),
  );
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument "${positionals[0]}"`, { hint: 'Images are given with --image NAME=IMAGE (repeatable); see --help.' });
    }
    return values as Values;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message.split('\n')[0]!.replace(/^Unknown option/, 'unknown option'), { hint: `See \`gitops-image-bump ${command} --help\`.` });
  }
}

interface Reader {
  one(name: OptionName): string | undefined;
  many(name: OptionName): string[];
  flag(name: OptionName): boolean;
  source(name: OptionName): string;
}

function reader(values: Values, env: NodeJS.ProcessEnv): Reader {
  const fromEnv = (name: OptionName) => {
    const value = env[environmentName(name)];
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    one: (name) => {
      const value = values[name];
      if (Array.isArray(value)) return value.at(-1);
      return typeof value === 'string' ? value : fromEnv(name);
    },
    many: (name) => {
      const value = values[name];
      if (Array.isArray(value)) return value;
      if (typeof value === 'string') return [value];
      const raw = fromEnv(name);
      return raw === undefined ? [] : splitList(raw);
    },
    flag: (name) => {
      if (values[name] === true) return true;
      const raw = fromEnv(name);
      if (raw === undefined) return false;
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      throw new UsageError(`${environmentName(name)} must be true or false, not "${raw}"`);
    },
    source: (name) => (values[name] !== undefined ? `--${name}` : environmentName(name)),
  };
}

/** A list given as a JSON array (GitLab's rendering of an array input) or separated by commas or newlines. */
export function splitList(raw: string): string[] {
  const trimmed = raw.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map((item) => String(item).trim()).filter(Boolean);
    } catch {
      // not JSON after all: fall through to the plain separators
    }
  }
  return trimmed.split(/[,\n]/).map((item) => item.trim()).filter(Boolean);
}

function readImages(read: Reader, env: NodeJS.ProcessEnv): ImageSettings {
  const imageArgs = [...read.many('image'), ...read.many('images')];
  const appName = read.one('app-name') ?? (imageArgs.length === 0 ? env.APP_NAME || undefined : undefined);
  const appImage = read.one('app-image') ?? (imageArgs.length === 0 ? env.APP_IMAGE || undefined : undefined);
  if (appName !== undefined || appImage !== undefined) {
    if (!appName || !appImage) {
      throw new UsageError(`${appName ? 'an app image' : 'an app name'} is missing: --app-name and --app-image (or APP_NAME and APP_IMAGE) go together`, {
        hint: 'Give both, or use --image NAME=IMAGE.',
      });
    }
    imageArgs.push(`${appName}=${appImage}`);
  }
  if (imageArgs.length === 0) {
    throw new UsageError('no image given', { hint: 'Pass --image NAME=IMAGE (repeatable), or set APP_NAME and APP_IMAGE.' });
  }
  const images = parseImageArgs(imageArgs);
  images.forEach((setting, index) => assertValidSetting(imageArgs[index] ?? setting.name, setting));
  const onDowngrade = oneOf(read, 'on-downgrade', ['fail', 'skip', 'allow'], 'fail');
  return { imageArgs, images, onDowngrade, json: read.flag('json') };
}

function readPushSettings(read: Reader, env: NodeJS.ProcessEnv, images: ImageSettings): PushSettings {
  const overlaysDir = checkRelativePath(read.one('overlays-dir') ?? 'manifests/overlays', read.source('overlays-dir'));
  const paths = read.many('path').map((path) => ({ dir: checkRelativePath(path, read.source('path')) }));
  const envNames = read.many('target-env').flatMap(splitList);
  const otherLayouts = read.many('file').length + read.many('helm-values').length + read.many('markers').length > 0;
  if (envNames.length === 0 && paths.length === 0 && !otherLayouts && env.TARGET_ENV) envNames.push(...splitList(env.TARGET_ENV));
  for (const name of envNames) {
    if (!ENV_NAME.test(name) || name === '.' || name === '..') {
      throw new UsageError(`target env ${JSON.stringify(name)} is not a valid environment name`, {
        hint: 'An environment is one directory name under the overlays directory: letters, digits, ".", "_" and "-".',
      });
    }
  }
  const overlays = envNames.map((name) => ({ dir: posix.join(overlaysDir, name), env: name }));
  const targets: TargetSpec = {
    kustomizations: [...(read.flag('skip-overlay') ? [] : overlays), ...paths],
    ...readFileTargets(read, (path, name) => checkRelativePath(path, read.source(name), 'repository', false, 'path')),
  };
  if (!hasTargets(targets)) {
    throw new UsageError('no target given', {
      hint: 'Pass --target-env ENV (an overlay under --overlays-dir) or --path DIR, or set TARGET_ENV; or --file, --helm-values or --markers for other layouts.',
    });
  }

  const serverUrl = checkServerUrl(read.one('server-url') ?? env.CI_SERVER_URL, read.source('server-url'));
  const url = new URL(serverUrl);

  const project = (read.one('project') ?? env.CI_PROJECT_PATH ?? '').replace(/\.git$/, '');
  if (!PROJECT_PATH.test(project) || project.split('/').some((part) => part === '..' || part === '.')) {
    throw new UsageError(project ? `project "${project}" is not a GitLab project path` : 'no GitOps project given', {
      hint: 'Pass --project group/subgroup/project (the path of the GitOps project, as in its URL).',
    });
  }

  const explicitBranch = read.one('branch');
  const branch = explicitBranch ?? (project === env.CI_PROJECT_PATH && env.CI_COMMIT_REF_NAME ? env.CI_COMMIT_REF_NAME : undefined);
  if (branch !== undefined && !isValidBranchName(branch)) {
    throw new UsageError(`branch ${JSON.stringify(branch)} is not a valid branch name`, { hint: 'Use the name of an existing branch of the GitOps project, e.g. main.' });
  }

  const tokenVariable = read.one('token-variable') ?? 'GITLAB_PUSHER_TOKEN';
  if (!VARIABLE_NAME.test(tokenVariable)) {
    // The value is never shown: it may be the token itself.
    throw new UsageError(`${read.source('token-variable')} must be the NAME of the environment variable that holds the token (letters, digits and "_"), not a value`, {
      hint: 'Store the token in a protected, masked CI/CD variable (e.g. GITLAB_PUSHER_TOKEN) and pass its name. If the token itself was given here, treat it as exposed and rotate it.',
    });
  }

  return {
    command: 'push',
    ...images,
    targets,
    environments: envNames,
    overlaysDir,
    serverUrl,
    project,
    branch,
    tokenVariable,
    messageTemplate: read.one('message') ?? DEFAULT_MESSAGE,
    author: {
      name: read.one('author-name') ?? 'gitops-image-bump',
      email: read.one('author-email') ?? `gitops-image-bump@noreply.${url.hostname}`,
    },
    dryRun: read.flag('dry-run'),
    maxAttempts: wholeNumber(read.one('max-attempts') ?? '40', read.source('max-attempts'), 1),
    timeoutSeconds: wholeNumber(read.one('timeout') ?? '60', read.source('timeout'), 1),
    keepWorkdir: read.one('keep-workdir'),
    mode: oneOf(read, 'mode', ['direct', 'merge-request'], 'direct'),
    fallbackToMergeRequest: oneOf(read, 'fallback', ['none', 'merge-request'], 'none') === 'merge-request',
    mergeRequest: {
      branchTemplate: read.one('mr-branch') ?? 'image-bump/{env}/{app}',
      labels: read.many('mr-label').flatMap(splitList),
      draft: read.flag('mr-draft'),
      autoMerge: read.flag('mr-auto-merge') ? oneOf(read, 'mr-auto-merge-option', ['auto_merge', 'merge_when_pipeline_succeeds'] as const, 'auto_merge') : undefined,
    },
    skipCi: read.flag('skip-ci'),
    reportFile: read.one('report'),
    expiryWarningDays: wholeNumber(read.one('expiry-warning-days') ?? '14', read.source('expiry-warning-days'), 0),
    provenance: provenanceTrailers(env),
  };
}

const SERVER_URL_HINT =
  'Give the GitLab URL alone, as in https://gitlab.example.com (or https://example.com/gitlab under a relative URL root): no user or token, query, fragment, spaces, backslashes or percent-escapes. The token is read from the variable named by --token-variable, never from the URL.';

/**
 * The server URL, refused unless git (curl) and Node read the same host, port and path from it: no
 * "@" or userinfo, "\\", whitespace, control characters, "%", query, fragment or dot segments (where
 * the two parsers differ, e.g. `http://a:1\\@b:2`). Returned in Node's canonical form, without a
 * trailing slash.
 */
function checkServerUrl(raw: string | undefined, source: string): string {
  if (!raw) throw new UsageError('no GitLab server URL', { hint: 'Pass --server-url https://gitlab.example.com (in a GitLab job, $CI_SERVER_URL is used).' });
  const refuse = (what: string, shown = true) => new UsageError(`${source} ${shown ? `${JSON.stringify(raw)} ` : ''}${what}`, { hint: SERVER_URL_HINT });
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

/** Trailers that link a bump commit back to the pipeline, job and commit it came from. */
function provenanceTrailers(env: NodeJS.ProcessEnv): string[] {
  const trailers: string[] = [];
  if (env.CI_PIPELINE_URL) trailers.push(`Image-Bump-Pipeline: ${env.CI_PIPELINE_URL}`);
  if (env.CI_JOB_URL) trailers.push(`Image-Bump-Job: ${env.CI_JOB_URL}`);
  if (env.CI_PROJECT_PATH && env.CI_COMMIT_SHA) trailers.push(`Image-Bump-Source: ${env.CI_PROJECT_PATH}@${env.CI_COMMIT_SHA}`);
  return trailers.map((line) => line.replace(/[\r\n]+/g, ' '));
}

function oneOf<T extends string>(read: Reader, name: OptionName, allowed: readonly T[], fallback: T): T {
  const value = read.one(name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${read.source(name)} must be ${allowed.join(' or ')}, not ${JSON.stringify(value)}`);
  }
  return value as T;
}

function wholeNumber(raw: string, source: string, minimum: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < minimum) throw new UsageError(`${source} must be a whole number of at least ${minimum}, not "${raw}"`);
  return Number(raw);
}

/** Manifests, Helm values and marker directories, each path checked by `check`. */
function readFileTargets(read: Reader, check: (path: string, option: OptionName) => string): Omit<TargetSpec, 'kustomizations'> {
  const helmFiles = read.many('helm-values').map((path) => check(path, 'helm-values'));
  const helmPaths = read.many('helm-path').flatMap(splitList);
  for (const path of helmPaths) {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) throw new UsageError(`--helm-path ${JSON.stringify(path)} is not a dot path of keys`, { hint: 'Write it like image or backend.image.' });
  }
  return {
    files: read.many('file').map((path) => check(path, 'file')),
    helm: {
      files: helmFiles,
      paths: helmPaths.length > 0 ? helmPaths : ['image'],
      keys: definedOnly({ repository: read.one('helm-repository-key'), tag: read.one('helm-tag-key'), digest: read.one('helm-digest-key') }),
    },
    markers: read.many('markers').map((path) => check(path, 'markers')),
  };
}

function definedOnly<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A relative path inside the repository (or the working directory): no absolute paths, no `..`, no control characters. */
export function checkRelativePath(raw: string, source: string, inside = 'repository', allowRoot = false, noun = 'directory'): string {
  const normalized = posix.normalize(raw.replace(/\\/g, '/')).replace(/\/+$/, '') || '.';
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw) || normalized.split('/').includes('..') || (!allowRoot && normalized === '.')) {
    throw new UsageError(`${source} ${JSON.stringify(raw)} must be a ${noun} inside the ${inside}`, {
      hint: `Give a relative path such as manifests/overlays/prod, without ".." or a leading "/"${inside === 'repository' ? '' : ', and run the command from the directory that holds it'}.`,
    });
  }
  if (/[\0-\x1f\x7f]/.test(raw)) throw new UsageError(`${source} contains control characters`);
  return normalized;
}

/** The subset of git-check-ref-format that matters for a branch given by a user. */
function isValidBranchName(name: string): boolean {
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
