/** Inputs that cannot work are refused by readSettings, before anything is cloned (exit 2, a hint, a troubleshooting entry). */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/failures/errors.js';
import { readSettings } from '../../src/settings/settings.js';
import type { PushSettings } from '../../src/settings/types.js';
import { troubleFor } from '../../src/troubleshooting.js';

const SERVER = 'https://gitlab.example.com';
const HEX64 = '24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3';
const APP = 'registry.example.com/team/app';

const pushArgs = (...args: string[]) => ['push', '--server-url', SERVER, '--project', 'group/gitops', ...args];
const push = (args: string[], env: NodeJS.ProcessEnv = {}) => readSettings(pushArgs(...args), env) as PushSettings;

function refusal(action: () => unknown): UsageError {
  try {
    action();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected the input to be refused');
}

/** Refused with exit 2, a hint, and an `error:` line the troubleshooting table knows. */
function expectRefused(action: () => unknown, message: string | RegExp, trouble: string): UsageError {
  const error = refusal(action);
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
  expect(error.exitCode).toBe(2);
  expect(error.hint).toMatch(/\S/);
  expect(troubleFor(error.message.split('\n')[0]!)?.id).toBe(trouble);
  return error;
}

describe('image arguments that would remove the pin or are no image', () => {
  it.each([
    ['app=', 'nothing follows "="'],
    [`app=${APP}:`, 'the tag after ":" is empty'],
    ['app=:v1', 'the image has no name before ":v1"'],
    [`app=@sha256:${HEX64}`, `the image has no name before "@sha256:${HEX64}"`],
    [
      `app=${APP}@invaliddigest:${HEX64}`,
      `digest "invaliddigest:${HEX64}" is not valid: the algorithm "invaliddigest" is not one registries verify: use sha256, sha384 or sha512`,
    ],
    [
      `app=${APP}@sha384:${HEX64}`,
      `digest "sha384:${HEX64}" is not valid: sha384 needs exactly 96 lowercase hex characters`,
    ],
    [`app=${APP}@`, 'the digest after "@" is empty'],
    ['=app', '"app" sets neither a new image nor a tag nor a digest'],
  ])('%s', (arg, message) => {
    expectRefused(
      () => push(['--target-env', 'prod', '--image', arg]),
      `image argument ${JSON.stringify(arg)}: ${message}`,
      'image-invalid',
    );
  });

  it('says what an empty tag usually means in a pipeline', () => {
    const error = refusal(() => push(['--target-env', 'prod', '--image', `app=${APP}:`]));
    expect(error.hint).toContain(
      '"$CI_REGISTRY_IMAGE:$CI_COMMIT_TAG" ends in ":" outside a tag pipeline, where CI_COMMIT_TAG is empty',
    );
    expect(error.hint).toContain('rules: - if: $CI_COMMIT_TAG');
  });

  it('checks every argument, also one a later argument for the same name would replace', () => {
    expectRefused(
      () => push(['--target-env', 'prod', '--image', 'app=', '--image', 'app:v2']),
      'image argument "app=": nothing follows "="',
      'image-invalid',
    );
    expectRefused(
      () => push(['--target-env', 'prod', '--image', 'app:v1', '--image', 'other:v1', '--image', 'app=Team/App:v2']),
      /^image argument "app=Team\/App:v2": /,
      'image-invalid',
    );
  });

  it('accepts a repository path of 255 characters under a registry, and the "*" forms', () => {
    const long = `registry.example.com/${'a'.repeat(255)}`;
    expect(push(['--target-env', 'prod', '--image', `app=${long}:1`]).images).toEqual([
      { name: 'app', newName: long, newTag: '1' },
    ]);
    expect(
      push([
        '--target-env',
        'prod',
        '--image',
        'app=*:v2',
        '--image',
        `db=${APP}:*`,
        '--image',
        `cache=*@sha256:${HEX64}`,
      ]).images,
    ).toEqual([
      { name: 'app', newName: '*', newTag: 'v2' },
      { name: 'db', newName: APP, newTag: '*' },
      { name: 'cache', newName: '*', digest: `sha256:${HEX64}` },
    ]);
  });
});

describe('the drop-in APP_NAME and APP_IMAGE, and --app-name/--app-image', () => {
  const dropIn =
    (env: NodeJS.ProcessEnv, ...args: string[]) =>
    () =>
      push(['--target-env', 'prod', ...args], env);

  it('refuses APP_NAME with an empty APP_IMAGE, naming the variable', () => {
    const error = expectRefused(
      dropIn({ APP_NAME: APP, APP_IMAGE: '' }),
      `no new image for "${APP}": APP_IMAGE is empty`,
      'app-image-missing',
    );
    expect(error.hint).toMatch(/\$CI_COMMIT_TAG is empty outside tag pipelines/);
  });

  it('refuses an APP_IMAGE that ends in ":" (CI_REGISTRY_IMAGE:CI_COMMIT_TAG outside a tag pipeline)', () => {
    expectRefused(
      dropIn({ APP_NAME: APP, APP_IMAGE: `${APP}:` }),
      `image argument "${APP}=${APP}:": the tag after ":" is empty`,
      'image-invalid',
    );
  });

  it('names the option or variable that is empty or missing', () => {
    expectRefused(
      dropIn({}, '--app-name', 'app', '--app-image', ''),
      'no new image for "app": --app-image is empty',
      'app-image-missing',
    );
    expectRefused(
      dropIn({ IMAGE_BUMP_APP_NAME: 'app', IMAGE_BUMP_APP_IMAGE: '' }),
      'no new image for "app": IMAGE_BUMP_APP_IMAGE is empty',
      'app-image-missing',
    );
    expectRefused(
      dropIn({ APP_NAME: 'app' }),
      'no new image for "app": --app-image (or APP_IMAGE) is not given',
      'app-image-missing',
    );
    expectRefused(
      dropIn({ APP_IMAGE: `${APP}:v1` }),
      `no image name to match for "${APP}:v1": --app-name (or APP_NAME) is not given`,
      'app-image-missing',
    );
    expectRefused(
      dropIn({ APP_NAME: '', APP_IMAGE: `${APP}:v1` }),
      `no image name to match for "${APP}:v1": APP_NAME is empty`,
      'app-image-missing',
    );
  });

  it('still reads both, and ignores them when --image is given', () => {
    expect(push(['--target-env', 'prod'], { APP_NAME: 'app', APP_IMAGE: `${APP}:v1` }).imageArgs).toEqual([
      `app=${APP}:v1`,
    ]);
    expect(
      push(['--target-env', 'prod'], {
        IMAGE_BUMP_APP_NAME: '',
        IMAGE_BUMP_APP_IMAGE: '',
        APP_NAME: 'app',
        APP_IMAGE: `${APP}:v1`,
      }).imageArgs,
    ).toEqual([`app=${APP}:v1`]);
    expect(push(['--target-env', 'prod', '--image', 'app:v2'], { APP_NAME: 'app', APP_IMAGE: '' }).imageArgs).toEqual([
      'app:v2',
    ]);
  });
});

describe('--timeout', () => {
  it.each(['2147484', '86401', '0', '-1', 'abc', '1.5', '60s', '', '99999999999999999999'])('refuses %j', (value) => {
    const range = /^--timeout must be a whole number from 1 to 86400, not ".*"$/;
    const error = expectRefused(
      () => push(['--target-env', 'prod', '--image', 'app:v1', `--timeout=${value}`]),
      range,
      'number-invalid',
    );
    expect(error.hint).toContain('seconds');
  });

  it('accepts 1 to 86400 seconds, from the flag or IMAGE_BUMP_TIMEOUT', () => {
    expect(push(['--target-env', 'prod', '--image', 'app:v1', '--timeout', '86400']).timeoutSeconds).toBe(86400);
    expect(push(['--target-env', 'prod', '--image', 'app:v1'], { IMAGE_BUMP_TIMEOUT: '1' }).timeoutSeconds).toBe(1);
    expectRefused(
      () => push(['--target-env', 'prod', '--image', 'app:v1'], { IMAGE_BUMP_TIMEOUT: '2147484' }),
      'IMAGE_BUMP_TIMEOUT must be a whole number from 1 to 86400, not "2147484"',
      'number-invalid',
    );
  });
});

describe('the commit message and author', () => {
  const bump =
    (...args: string[]) =>
    () =>
      push(['--target-env', 'prod', '--image', 'app:v1', ...args]);

  it.each(['', '   ', '\n', '{previous}', ' {previous} '])('refuses the message %j', (message) => {
    expectRefused(
      bump('--message', message),
      `--message ${JSON.stringify(message)} leaves the commit subject empty`,
      'message-empty',
    );
  });

  it.each([
    ['--author-name', '', 'a name', 'it is empty'],
    ['--author-name', '  ', 'a name', 'it has no letter or digit'],
    ['--author-name', '..', 'a name', 'it has no letter or digit'],
    ['--author-name', 'Bot <bot@example.com>', 'a name', 'it holds "<", ">" or control characters, which git drops'],
    ['--author-name', 'Bot\nSecond', 'a name', 'it holds "<", ">" or control characters, which git drops'],
    ['--author-email', '', 'an email', 'it is empty'],
    ['--author-email', '<bot@example.com>', 'an email', 'it holds "<", ">", whitespace or control characters'],
    ['--author-email', 'bot @example.com', 'an email', 'it holds "<", ">", whitespace or control characters'],
  ])('refuses %s %j', (option, value, noun, why) => {
    expectRefused(
      bump(option, value),
      `${option} ${JSON.stringify(value)} is not ${noun} git can record: ${why}`,
      'author-invalid',
    );
  });

  it('keeps the defaults when the component leaves its inputs empty, and takes ordinary values', () => {
    const settings = push(['--target-env', 'prod', '--image', 'app:v1'], {
      IMAGE_BUMP_MESSAGE: '',
      IMAGE_BUMP_AUTHOR_NAME: '',
      IMAGE_BUMP_AUTHOR_EMAIL: '',
    });
    expect(settings.messageTemplate).toBe('[auto ci] Update {name} image to {image}');
    expect(settings.author).toEqual({
      name: 'gitops-image-bump',
      email: 'gitops-image-bump@noreply.gitlab.example.com',
    });
    const custom = push([
      '--target-env',
      'prod',
      '--image',
      'app:v1',
      '--message',
      'Bump {name} ({previous})',
      '--author-name',
      'Zoë O’Brien',
      '--author-email',
      'zoe@example.com',
    ]);
    expect(custom.messageTemplate).toBe('Bump {name} ({previous})');
    expect(custom.author).toEqual({ name: 'Zoë O’Brien', email: 'zoe@example.com' });
  });
});

describe('paths through .git', () => {
  it.each([
    ['--path', '.git'],
    ['--path', 'manifests/.git/hooks'],
    ['--path', 'manifests/../.git'],
    ['--file', '.git/config'],
    ['--file', '.GIT/config'],
    ['--file', 'manifests\\.git\\config'],
    ['--helm-values', '.git/HEAD'],
    ['--markers', '.git'],
    ['--overlays-dir', '.git/refs'],
  ])('refuses %s %s', (option, path) => {
    const target =
      option === '--overlays-dir' ? ['--target-env', 'prod'] : option === '--path' ? [] : ['--skip-overlay'];
    expectRefused(
      () => push([...target, '--image', 'app:v1', option, path]),
      `${option} ${JSON.stringify(path)} goes through .git, which holds git's own files`,
      'path-git-dir',
    );
  });

  it('refuses a target env named .git, and paths through .git for edit too', () => {
    expectRefused(
      () => push(['--target-env', '.git', '--image', 'app:v1']),
      'target env ".git" is not a valid environment name',
      'target-env-invalid',
    );
    expectRefused(
      () => readSettings(['edit', '--dir', '.git', '--image', 'app:v1'], {}),
      '--dir ".git" goes through .git, which holds git\'s own files',
      'path-git-dir',
    );
    expectRefused(
      () => readSettings(['edit', '--file', '.git/HEAD', '--image', 'app:v1'], {}),
      '--file ".git/HEAD" goes through .git, which holds git\'s own files',
      'path-git-dir',
    );
  });

  it('accepts names that only begin like .git', () => {
    const settings = push([
      '--image',
      'app:v1',
      '--path',
      '.github/deploy',
      '--file',
      'manifests/.gitkeep.yaml',
      '--helm-values',
      '.gitlab/values.yaml',
    ]);
    expect(settings.targets.kustomizations).toEqual([{ dir: '.github/deploy' }]);
    expect(settings.targets.files).toEqual(['manifests/.gitkeep.yaml']);
    expect(settings.targets.helm.files).toEqual(['.gitlab/values.yaml']);
  });

  it('refuses control characters in a path with a hint', () => {
    expectRefused(
      () => push(['--image', 'app:v1', '--path', 'manifests/overlays/\tprod']),
      '--path "manifests/overlays/\\tprod" contains control characters',
      'path-control',
    );
  });
});

describe('the same target named twice is one target', () => {
  it('an overlay also given with --path, and paths that normalise to the same directory', () => {
    const settings = push([
      '--target-env',
      'prod,prod',
      '--target-env',
      'prod',
      '--path',
      'manifests/overlays/prod',
      '--path',
      'manifests/overlays/./prod/',
      '--path',
      'manifests//overlays/prod',
      '--path',
      'a/./b',
      '--path',
      'a/b',
      '--image',
      'app:v1',
    ]);
    expect(settings.targets.kustomizations).toEqual([{ dir: 'manifests/overlays/prod', env: 'prod' }, { dir: 'a/b' }]);
    expect(settings.environments).toEqual(['prod']);
  });

  it('files, Helm values and marker directories', () => {
    const settings = push([
      '--skip-overlay',
      '--image',
      'app:v1',
      '--file',
      'deploy/app.yaml',
      '--file',
      './deploy/app.yaml',
      '--file',
      'deploy//app.yaml',
      '--helm-values',
      'chart/values.yaml',
      '--helm-values',
      'chart/./values.yaml',
      '--markers',
      'deploy',
      '--markers',
      'deploy/',
    ]);
    expect(settings.targets.files).toEqual(['deploy/app.yaml']);
    expect(settings.targets.helm.files).toEqual(['chart/values.yaml']);
    expect(settings.targets.markers).toEqual(['deploy']);
  });

  it('from the drop-in TARGET_ENV too', () => {
    expect(push(['--image', 'app:v1'], { TARGET_ENV: 'prod,staging,prod' }).environments).toEqual(['prod', 'staging']);
  });
});
