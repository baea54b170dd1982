import { parseArgs } from 'node:util';
import { posix } from 'node:path';
import { bumpBranchIsTargetError, bumpBranchName } from './bump-branch.js';
import { UsageError } from '../failures/errors.js';
import { parseImageArgs, type ImageSetting } from '../image/image-arg.js';
import { assertValidImageArgument } from '../image/image-reference.js';
import { environmentName, OPTIONS, type OptionName } from './options.js';
import { normalizeRelativePath, relativePathProblem } from './relative-path.js';
import { hasTargets, type TargetSpec } from './target-spec.js';
import type { EditSettings, ImageSettings, PushSettings, Settings } from './types.js';

export const DEFAULT_MESSAGE = '[auto ci] Update {name} image to {image}';
const MAX_TIMEOUT_SECONDS = 86_400;
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
    // A flag and its IMAGE_BUMP_* variable take the same forms: each value may be a JSON array or a list.
    many: (name) => {
      const value = values[name];
      const given = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [fromEnv(name)];
      return given.flatMap((raw) => (raw === undefined ? [] : splitList(raw)));
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

/**
 * `--json` and `--report` as far as they can be read from arguments that may not parse: a run that
 * fails on its own arguments still ends with the JSON object and the report. The report belongs to
 * `push` (and to a command that could not be read, which is most likely a mistyped push).
 */
export function endSettingsFromRawArguments(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): { json: boolean; reportFile?: string } {
  const json = argv.includes('--json') || /^(true|1|yes)$/i.test(env[environmentName('json')] ?? '');
  const command = argv[0];
  if (command === undefined || ['edit', 'help', '--help', '-h', '--version', '-v'].includes(command)) return { json };
  let reportFile = env[environmentName('report')] || undefined;
  argv.forEach((arg, index) => {
    if (arg === '--report' && argv[index + 1] !== undefined) reportFile = argv[index + 1];
    else if (arg.startsWith('--report=')) reportFile = arg.slice('--report='.length);
  });
  return { json, reportFile: reportFile || undefined };
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
  const appArg = readAppImage(read, env, imageArgs.length === 0);
  if (appArg !== undefined) imageArgs.push(appArg);
  if (imageArgs.length === 0) {
    throw new UsageError('no image given', { hint: 'Pass --image NAME=IMAGE (repeatable), or set APP_NAME and APP_IMAGE.' });
  }
  const images = parseImageArgs(imageArgs);
  // Every argument, not only the one that wins for its name: a refused one is never silently replaced.
  imageArgs.forEach(assertValidImageArgument);
  const onDowngrade = oneOf(read, 'on-downgrade', ['fail', 'skip', 'allow'], 'fail');
  return { imageArgs, images, onDowngrade, json: read.flag('json') };
}

/**
 * `--app-name NAME --app-image IMAGE` (or their IMAGE_BUMP_* variables, or the drop-in APP_NAME and
 * APP_IMAGE when no --image is given) as the argument NAME=IMAGE. One without the other is refused,
 * saying which was empty: in a pipeline, an empty APP_IMAGE is a CI/CD variable that was not set.
 */
function readAppImage(read: Reader, env: NodeJS.ProcessEnv, dropIn: boolean): string | undefined {
  const part = (option: 'app-name' | 'app-image', variable: 'APP_NAME' | 'APP_IMAGE') => {
    const value = read.one(option);
    if (value !== undefined) return { value, source: read.source(option), empty: value === '' };
    const dropInValue = dropIn ? env[variable] : undefined;
    if (dropInValue !== undefined) return { value: dropInValue || undefined, source: variable, empty: dropInValue === '' };
    // The component always sets its IMAGE_BUMP_* variable; empty, it stands for an input left out.
    if (env[environmentName(option)] === '') return { value: undefined, source: environmentName(option), empty: true };
    return { value: undefined, source: `--${option} (or ${variable})`, empty: false };
  };
  const name = part('app-name', 'APP_NAME');
  const image = part('app-image', 'APP_IMAGE');
  if (!name.value && !image.value) return undefined;
  if (name.value && image.value) return `${name.value}=${image.value}`;
  const state = (given: { source: string; empty: boolean }) => `${given.source} is ${given.empty ? 'empty' : 'not given'}`;
  if (name.value) {
    throw new UsageError(`no new image for ${JSON.stringify(name.value)}: ${state(image)}`, {
      hint:
        'Set it to the new image, e.g. registry.example.com/team/app:1.4.2. If it is built from CI/CD variables, one of them is empty: ' +
        '$CI_COMMIT_TAG is empty outside tag pipelines (run the job only for tags: rules: - if: $CI_COMMIT_TAG), ' +
        'and a protected variable is empty in pipelines on unprotected branches.',
    });
  }
  throw new UsageError(`no image name to match for ${JSON.stringify(image.value)}: ${state(name)}`, {
    hint: 'Give the name the manifests use for the image (kustomize\'s images[].name) with --app-name or APP_NAME, or use --image NAME=IMAGE.',
  });
}

function readPushSettings(read: Reader, env: NodeJS.ProcessEnv, images: ImageSettings): PushSettings {
  const overlaysDir = checkRelativePath(read.one('overlays-dir') ?? 'manifests/overlays', read.source('overlays-dir'));
  const paths = read.many('path').map((path) => ({ dir: checkRelativePath(path, read.source('path')) }));
  const otherLayouts = read.many('file').length + read.many('helm-values').length + read.many('markers').length > 0;
  const envNames = readEnvironmentNames(read, paths.length === 0 && !otherLayouts ? env.TARGET_ENV : undefined);
  const overlays = envNames.map((name) => ({ dir: posix.join(overlaysDir, name), env: name }));
  const targets: TargetSpec = {
    kustomizations: uniqueKustomizations([...(read.flag('skip-overlay') ? [] : overlays), ...paths]),
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

  const push: PushSettings = {
    command: 'push',
    ...images,
    targets,
    environments: envNames,
    overlaysDir,
    serverUrl,
    project,
    branch,
    tokenVariable,
    messageTemplate: readMessageTemplate(read),
    author: readAuthor(read, url.hostname),
    dryRun: read.flag('dry-run'),
    maxAttempts: wholeNumber(read.one('max-attempts') ?? '40', read.source('max-attempts'), 1),
    timeoutSeconds: wholeNumber(read.one('timeout') ?? '60', read.source('timeout'), 1, { maximum: MAX_TIMEOUT_SECONDS, unit: 'seconds, e.g. 60 (the default); 86400 is a day' }),
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
  checkBumpBranch(push, read.source('mr-branch'));
  return push;
}

/** The merge-request branch must be a valid branch of its own, never the branch it is proposed into. */
function checkBumpBranch(settings: PushSettings, source: string): void {
  if (settings.mode !== 'merge-request' && !settings.fallbackToMergeRequest) return;
  const bumpBranch = bumpBranchName(settings);
  if (!isValidBranchName(bumpBranch)) {
    throw new UsageError(`${source} ${JSON.stringify(settings.mergeRequest.branchTemplate)} makes no valid branch name`, {
      hint: 'Use a branch name with {env} and {app} where the environment and the app go, like image-bump/{env}/{app} (the default).',
    });
  }
  if (settings.branch !== undefined && bumpBranch === settings.branch) throw bumpBranchIsTargetError(bumpBranch, source);
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

/** Digits only; an upper bound keeps a value from overflowing Node's timers (at most 2^31 - 1 ms). */
function wholeNumber(raw: string, source: string, minimum: number, { maximum, unit }: { maximum?: number; unit?: string } = {}): number {
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
function readMessageTemplate(read: Reader): string {
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
function readAuthor(read: Reader, serverHost: string): { name: string; email: string } {
  const name = read.one('author-name') ?? 'gitops-image-bump';
  const email = read.one('author-email') ?? `gitops-image-bump@noreply.${serverHost}`;
  const refuse = (option: OptionName, value: string, noun: string, why: string) =>
    new UsageError(`${read.source(option)} ${JSON.stringify(value)} is not ${noun} git can record: ${why}`, {
      hint: 'Give a plain name such as "GitOps Bot" and an address such as gitops-bot@example.com, or leave the options out for the default author.',
    });
  if (/[<>\p{Cc}]/u.test(name)) throw refuse('author-name', name, 'a name', 'it holds "<", ">" or control characters, which git drops');
  if (GIT_IDENT_CRUD.test(name)) throw refuse('author-name', name, 'a name', name === '' ? 'it is empty' : 'it has no letter or digit');
  if (email === '') throw refuse('author-email', email, 'an email', 'it is empty');
  if (/[<>\s\p{Cc}]/u.test(email)) throw refuse('author-email', email, 'an email', 'it holds "<", ">", whitespace or control characters');
  return { name, email };
}

/** --target-env (repeated or listed), else the drop-in TARGET_ENV; each name once. */
function readEnvironmentNames(read: Reader, dropInTargetEnv: string | undefined): string[] {
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
 * One target per directory (paths are normalised by then): an overlay also named with --path, or a path
 * given twice, is edited and reported once. Overlays come first, so the one kept names its environment.
 */
function uniqueKustomizations(targets: readonly { dir: string; env?: string }[]): { dir: string; env?: string }[] {
  const byDir = new Map<string, { dir: string; env?: string }>();
  for (const target of targets) if (!byDir.has(target.dir)) byDir.set(target.dir, target);
  return [...byDir.values()];
}

/** Manifests, Helm values and marker directories, each path checked by `check`. */
function readFileTargets(read: Reader, check: (path: string, option: OptionName) => string): Omit<TargetSpec, 'kustomizations'> {
  const checked = (option: OptionName) => [...new Set(read.many(option).map((path) => check(path, option)))];
  const helmFiles = checked('helm-values');
  const helmPaths = read.many('helm-path').flatMap(splitList);
  for (const path of helmPaths) {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) throw new UsageError(`--helm-path ${JSON.stringify(path)} is not a dot path of keys`, { hint: 'Write it like image or backend.image.' });
  }
  return {
    files: checked('file'),
    helm: {
      files: helmFiles,
      paths: helmPaths.length > 0 ? helmPaths : ['image'],
      keys: definedOnly({ repository: read.one('helm-repository-key'), tag: read.one('helm-tag-key'), digest: read.one('helm-digest-key') }),
    },
    markers: checked('markers'),
  };
}

function definedOnly<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * A relative path inside the repository (or the working directory), normalised: no absolute paths, no
 * `..` above the root, no control characters, and nothing through `.git` (git's own files are never edited).
 */
export function checkRelativePath(raw: string, source: string, inside = 'repository', allowRoot = false, noun = 'directory'): string {
  const problem = relativePathProblem(raw, { allowRoot });
  const example = 'Give a relative path such as manifests/overlays/prod';
  if (problem === 'control') {
    throw new UsageError(`${source} ${JSON.stringify(raw)} contains control characters`, { hint: `${example}: a line break or tab in a path is usually a stray character in a CI/CD variable.` });
  }
  if (problem === 'git-dir') {
    throw new UsageError(`${source} ${JSON.stringify(raw)} goes through .git, which holds git's own files`, {
      hint: `${example}: the files git tracks are edited, nothing under .git is ever read or written.`,
    });
  }
  if (problem) {
    throw new UsageError(`${source} ${JSON.stringify(raw)} must be a ${noun} inside the ${inside}`, {
      hint: `${example}, without ".." or a leading "/"${inside === 'repository' ? '' : ', and run the command from the directory that holds it'}.`,
    });
  }
  return normalizeRelativePath(raw);
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
