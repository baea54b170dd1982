import { posix } from 'node:path';
import { UsageError } from '../failures/errors.js';
import { parseImageArgs } from '../image/image-arg.js';
import { assertValidImageArgument } from '../image/image-reference.js';
import { oneOf, parseFlags, reader, splitList, type Reader } from './option-reader.js';
import { closest } from './closest.js';
import { BRIEF_USAGE } from './help.js';
import { environmentName, OPTIONS, optionsOf, type OptionName } from './options.js';
import { belowWorkingDirectory } from './relative-path.js';
import { hasTargets, type TargetSpec } from './target-spec.js';
import type { ImageSettings, PushSettings, Settings } from './types.js';
import {
  checkBumpBranch,
  checkHelmPath,
  checkProject,
  checkRelativePath,
  checkServerUrl,
  checkTokenVariable,
  isValidBranchName,
  MAX_TIMEOUT_SECONDS,
  readAuthor,
  readEnvironmentNames,
  readMessageTemplate,
  readRegistrySettings,
  wholeNumber,
} from './validation.js';

const COMMANDS = ['push', 'edit', 'help'] as const;
const COMMANDS_HINT = '`gitops-image-bump --help` lists the commands.';

function helpTopic(rest: readonly string[]): 'push' | 'edit' | undefined {
  return rest[0] === 'push' || rest[0] === 'edit' ? rest[0] : undefined;
}

/** No command, a mistyped one, or options before the command. */
function commandError(command: string | undefined): UsageError {
  if (command === undefined) return new UsageError('no command given', { hint: BRIEF_USAGE });
  if (command.startsWith('-')) {
    const name = command.replace(/^-+/, '').split('=')[0]!;
    if (name in OPTIONS && name !== 'help' && name !== 'version') {
      return new UsageError(`the command comes first, before ${command}`, {
        hint: `Write gitops-image-bump ${optionsOf('push').includes(name as OptionName) ? 'push' : 'edit'} ${command} …`,
      });
    }
    const near = closest(command, ['--help', '--version']);
    return new UsageError(`unknown option ${/^-{1,2}[\w.-]+$/.test(command) ? command : JSON.stringify(command)}`, {
      hint: near ? `did you mean ${near}? ${COMMANDS_HINT}` : BRIEF_USAGE,
    });
  }
  const near = closest(command, COMMANDS);
  return new UsageError(`unknown command "${command}"`, {
    hint: near ? `did you mean ${near}? ${COMMANDS_HINT}` : BRIEF_USAGE,
  });
}

/** Reads flags, then `IMAGE_BUMP_*`, then the drop-in variables of the hand-written job. Flags win. */
export function readSettings(argv: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Settings {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help')
    return { command: 'help', topic: helpTopic(rest) };
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command !== 'push' && command !== 'edit') throw commandError(command);
  const values = parseFlags(command, rest);
  if (values.help) return { command: 'help', topic: command };
  if (values.version) return { command: 'version' };
  const read = reader(values, env);
  const images = readImages(read, env);
  if (command === 'edit') {
    const check = (path: string, name: OptionName, allowRoot = false) =>
      checkRelativePath(
        cwd === undefined ? path : belowWorkingDirectory(path, cwd),
        read.source(name),
        'working directory',
        allowRoot,
        name === 'dir' ? 'directory' : 'path',
      );
    // A directory of manifests or marked files may be the working directory itself, as --dir may.
    const others = readFileTargets(read, (path, name) => check(path, name, name === 'markers' || name === 'file'));
    const dir = read.one('dir');
    const kustomizations =
      dir !== undefined || !hasTargets({ kustomizations: [], ...others })
        ? [{ dir: check(dir ?? '.', 'dir', true) }]
        : [];
    return { command, ...images, targets: { kustomizations, ...others } };
  }
  return readPushSettings(read, env, images);
}

function readImages(read: Reader, env: NodeJS.ProcessEnv): ImageSettings {
  const imageArgs = [...read.many('image'), ...read.many('images')];
  const appArg = readAppImage(read, env, imageArgs.length === 0);
  if (appArg !== undefined) imageArgs.push(appArg);
  if (imageArgs.length === 0) {
    throw new UsageError('no image given', {
      hint: 'Pass --image NAME=IMAGE (repeatable), or set APP_NAME and APP_IMAGE.',
    });
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
    if (dropInValue !== undefined)
      return { value: dropInValue || undefined, source: variable, empty: dropInValue === '' };
    // The component always sets its IMAGE_BUMP_* variable; empty, it stands for an input left out.
    if (env[environmentName(option)] === '') return { value: undefined, source: environmentName(option), empty: true };
    return { value: undefined, source: `--${option} (or ${variable})`, empty: false };
  };
  const name = part('app-name', 'APP_NAME');
  const image = part('app-image', 'APP_IMAGE');
  if (!name.value && !image.value) return undefined;
  if (name.value && image.value) return `${name.value}=${image.value}`;
  const state = (given: { source: string; empty: boolean }) =>
    `${given.source} is ${given.empty ? 'empty' : 'not given'}`;
  if (name.value) {
    throw new UsageError(`no new image for ${JSON.stringify(name.value)}: ${state(image)}`, {
      hint:
        'Set it to the new image, e.g. registry.example.com/team/app:1.4.2. If it is built from CI/CD variables, one of them is empty: ' +
        '$CI_COMMIT_TAG is empty outside tag pipelines (run the job only for tags: rules: - if: $CI_COMMIT_TAG), ' +
        'and a protected variable is empty in pipelines on unprotected branches.',
    });
  }
  throw new UsageError(`no image name to match for ${JSON.stringify(image.value)}: ${state(name)}`, {
    hint: "Give the name the manifests use for the image (kustomize's images[].name) with --app-name or APP_NAME, or use --image NAME=IMAGE.",
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

  const project = checkProject((read.one('project') ?? env.CI_PROJECT_PATH ?? '').replace(/\.git$/, ''));

  const explicitBranch = read.one('branch');
  const branch =
    explicitBranch ?? (project === env.CI_PROJECT_PATH && env.CI_COMMIT_REF_NAME ? env.CI_COMMIT_REF_NAME : undefined);
  if (branch !== undefined && !isValidBranchName(branch)) {
    throw new UsageError(`branch ${JSON.stringify(branch)} is not a valid branch name`, {
      hint: 'Use the name of an existing branch of the GitOps project, e.g. main.',
    });
  }

  const tokenVariable = checkTokenVariable(
    read.one('token-variable') ?? 'GITLAB_PUSHER_TOKEN',
    read.source('token-variable'),
  );

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
    timeoutSeconds: wholeNumber(read.one('timeout') ?? '60', read.source('timeout'), 1, {
      maximum: MAX_TIMEOUT_SECONDS,
      unit: 'seconds, e.g. 60 (the default); 86400 is a day',
    }),
    keepWorkdir: read.one('keep-workdir'),
    mode: oneOf(read, 'mode', ['direct', 'merge-request'], 'direct'),
    fallbackToMergeRequest: oneOf(read, 'fallback', ['none', 'merge-request'], 'none') === 'merge-request',
    mergeRequest: {
      branchTemplate: read.one('mr-branch') ?? 'image-bump/{env}/{app}',
      labels: read.many('mr-label').flatMap(splitList),
      draft: read.flag('mr-draft'),
      autoMerge: read.flag('mr-auto-merge')
        ? oneOf(read, 'mr-auto-merge-option', ['auto_merge', 'merge_when_pipeline_succeeds'] as const, 'auto_merge')
        : undefined,
    },
    skipCi: read.flag('skip-ci'),
    reportFile: read.one('report'),
    expiryWarningDays: wholeNumber(read.one('expiry-warning-days') ?? '14', read.source('expiry-warning-days'), 0),
    provenance: provenanceTrailers(env),
    registry: readRegistrySettings(read, images.images),
  };
  checkBumpBranch(push, read.source('mr-branch'));
  return push;
}

/** Trailers that link a bump commit back to the pipeline, job and commit it came from. */
function provenanceTrailers(env: NodeJS.ProcessEnv): string[] {
  const trailers: string[] = [];
  if (env.CI_PIPELINE_URL) trailers.push(`Image-Bump-Pipeline: ${env.CI_PIPELINE_URL}`);
  if (env.CI_JOB_URL) trailers.push(`Image-Bump-Job: ${env.CI_JOB_URL}`);
  if (env.CI_PROJECT_PATH && env.CI_COMMIT_SHA)
    trailers.push(`Image-Bump-Source: ${env.CI_PROJECT_PATH}@${env.CI_COMMIT_SHA}`);
  return trailers.map((line) => line.replace(/[\r\n]+/g, ' '));
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
function readFileTargets(
  read: Reader,
  check: (path: string, option: OptionName) => string,
): Omit<TargetSpec, 'kustomizations'> {
  const checked = (option: OptionName) => [...new Set(read.many(option).map((path) => check(path, option)))];
  const helmFiles = checked('helm-values');
  const helmPaths = read.many('helm-path').flatMap(splitList);
  helmPaths.forEach(checkHelmPath);
  return {
    files: checked('file'),
    helm: {
      files: helmFiles,
      paths: helmPaths.length > 0 ? helmPaths : ['image'],
      keys: definedOnly({
        repository: read.one('helm-repository-key'),
        tag: read.one('helm-tag-key'),
        digest: read.one('helm-digest-key'),
      }),
    },
    markers: checked('markers'),
  };
}

function definedOnly<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
