/**
 * Every failure a user can meet, once: an example built by the very code that builds the error at run
 * time, the cause in a few words, and a pattern that recognises the `error:` line. The README's
 * troubleshooting table is generated from this list (and a test fails when the two differ).
 */
import { bumpBranchIsTargetError, foreignBumpBranchError } from './settings/bump-branch.js';
import { BumpError } from './failures/errors.js';
import {
  jobTokenError,
  jobTokenRefusal,
  missingBranchError,
  projectNotFoundError,
  protectedBranchError,
  pushForbiddenError,
  readForbiddenError,
  retriesExhaustedError,
  serverError,
  timeLimitError,
  timeoutError,
  unauthorizedError,
  unexplainedGitError,
  unreachableError,
  type FailureContext,
} from './git/failure.js';
import { noGnuTimeoutError } from './git/gnu-timeout.js';
import {
  missingDirectoryError,
  noKustomizationError,
  outsideRepositoryError,
  severalKustomizationsError,
  symlinkedDirectoryError,
} from './edit/kustomization-file.js';
import { readSettings } from './settings/settings.js';
import { redirectError } from './git/redirect.js';
import {
  ciJobTokenInVariableError,
  implausibleTokenError,
  missingTokenError,
  multiLineTokenError,
  tokenVariableIsValueError,
} from './push/token.js';
import { parseSingleDocument } from './yaml/documents.js';
import {
  accessDeniedError,
  digestMismatchError,
  imageMissingError,
  platformMissingError,
  platformsUnknownError,
  registryFailedError,
  registryUnreachableError,
  tagMovedError,
  tokenRefusedError,
  untaggedImageError,
} from './registry/registry-errors.js';
import { parseDockerAuthConfig } from './settings/docker-auth-config.js';

export interface Trouble {
  id: string;
  /** Why it happens, for the table's "Cause" column. */
  cause: string;
  /** A real instance of the error; its message and hint are what the table shows. */
  example: () => BumpError;
  /** Recognises the `error:` line (without the `error: ` prefix) of every instance, and of no other trouble. */
  pattern: RegExp;
}

const SERVER = 'https://gitlab.example.com';
const PROJECT = 'group/gitops';
const OVERLAY = 'manifests/overlays/prod';
const FILE = `${OVERLAY}/kustomization.yaml`;
const context = (stage: FailureContext['stage'] = 'push'): FailureContext => ({
  serverUrl: SERVER,
  project: PROJECT,
  branch: 'main',
  tokenVariable: 'GITLAB_PUSHER_TOKEN',
  stage,
  timeoutSeconds: 60,
});

/** GitLab's answer to a job token, as git prints it, explained for a push from `pipelineProject`. */
const jobTokenRefused = (gitlabSays: string, pipelineProject = 'group/app'): BumpError =>
  jobTokenRefusal(
    `remote: ${gitlabSays}\nfatal: unable to access '${SERVER}/${PROJECT}.git/': The requested URL returned error: 403`,
    {
      ...context('push'),
      tokenVariable: 'CI_JOB_TOKEN',
      jobToken: { pipelineProject },
    },
  )!;

/** The error a function throws: for errors built inline by parsers and option readers. */
function thrown(action: () => unknown): BumpError {
  try {
    action();
  } catch (error) {
    if (error instanceof BumpError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

const push = (...args: string[]) =>
  thrown(() => readSettings(['push', '--server-url', SERVER, '--project', PROJECT, ...args], {}));

const IMAGE = 'registry.example.com/team/app:1.4.2';
const REGISTRY_HOST = 'registry.example.com';
const DIGEST = (hex: string) => `sha256:${hex.repeat(64)}`;

export const TROUBLES: readonly Trouble[] = [
  {
    id: 'token-missing',
    cause:
      'The token variable is not in the job: another name, or a protected variable in a pipeline on an unprotected branch.',
    example: () => missingTokenError('GITLAB_PUSHER_TOKEN', 'not set'),
    pattern: /^\S+ is (not set|empty): no token to push with$/,
  },
  {
    id: 'token-is-ci-job-token',
    cause: "The variable holds the job's own CI_JOB_TOKEN.",
    example: () => ciJobTokenInVariableError('GITLAB_PUSHER_TOKEN'),
    pattern: /^\S+ holds this job's CI_JOB_TOKEN, /,
  },
  {
    id: 'token-multi-line',
    cause: 'The variable holds more than the token.',
    example: () => multiLineTokenError('GITLAB_PUSHER_TOKEN'),
    pattern: /^\S+ holds more than one line$/,
  },
  {
    id: 'token-implausible',
    cause:
      'The variable holds something too short (a word, a placeholder) or far too long (a file) to be a GitLab token.',
    example: () => implausibleTokenError('GITLAB_PUSHER_TOKEN', 'short'),
    pattern: /^\S+ holds a value (shorter|longer) than \d+ characters, which is no GitLab token$/,
  },
  {
    id: 'token-variable-invalid',
    cause: '--token-variable was given a value (perhaps the token itself) instead of a variable name.',
    example: () => push('--target-env', 'prod', '--image', 'app:1.0.0', '--token-variable', 'not-a-name'),
    pattern: /must be the NAME of the environment variable that holds the token/,
  },
  {
    id: 'token-variable-is-value',
    cause:
      "The value of a variable (perhaps the token) was given as the token variable's name, e.g. --token-variable $GITLAB_PUSHER_TOKEN.",
    example: () => tokenVariableIsValueError('GITLAB_PUSHER_TOKEN'),
    pattern: /^the name given for the token variable is the value of \S+, /,
  },
  {
    id: 'job-token',
    cause: 'The variable holds a CI job token (of this or another pipeline).',
    example: () => jobTokenError('GITLAB_PUSHER_TOKEN'),
    pattern: /is a CI job token, and a job token cannot push here$/,
  },
  {
    id: 'job-token-rejected',
    cause:
      '--token-variable CI_JOB_TOKEN: GitLab does not know the job token (another GitLab, a finished job, or a variable of your own named CI_JOB_TOKEN).',
    example: () => jobTokenRefused('HTTP Basic: Access denied.'),
    pattern: /^GitLab rejected this job's CI_JOB_TOKEN \(HTTP 401\)/,
  },
  {
    id: 'job-token-not-allowlisted',
    cause: "--token-variable CI_JOB_TOKEN: the pipeline's project is not on the GitOps project's job token allowlist.",
    example: () => jobTokenRefused('Authentication by CI/CD job token not allowed from app to gitops.'),
    pattern:
      /^GitLab refused this job's CI_JOB_TOKEN for \S+ \(HTTP 403: "Authentication by CI\/CD job token not allowed /,
  },
  {
    id: 'job-token-not-member',
    cause: '--token-variable CI_JOB_TOKEN: the user who started the pipeline is not a member of the GitOps project.',
    example: () => jobTokenRefused('Insufficient permissions to pull from the repository of project gitops.'),
    pattern: /^GitLab refused this job's CI_JOB_TOKEN for \S+ \(HTTP 403: "Insufficient permissions to pull /,
  },
  {
    id: 'job-token-push-unsupported',
    cause: '--token-variable CI_JOB_TOKEN: this GitLab (before 17.2) does not accept pushes with a job token.',
    example: () => jobTokenRefused('You are not allowed to upload code.'),
    pattern:
      /^GitLab refused to let this job's CI_JOB_TOKEN push to \S+ \(HTTP 403: "You are not allowed to upload code\."/,
  },
  {
    id: 'job-token-push-refused',
    cause:
      "--token-variable CI_JOB_TOKEN: the GitOps project does not allow job-token pushes (from this project), or the pipeline's user is below Developer.",
    example: () => jobTokenRefused('You are not allowed to push code to this project.'),
    pattern:
      /^GitLab refused to let this job's CI_JOB_TOKEN push to \S+ \(HTTP 403: "You are not allowed to push code to this project\."/,
  },
  {
    id: 'token-rejected',
    cause: 'GitLab does not know the token: mistyped, expired or revoked (HTTP 401).',
    example: () => unauthorizedError(context('clone')),
    pattern: /^GitLab rejected the token in \S+ \(HTTP 401\)/,
  },
  {
    id: 'push-forbidden',
    cause: 'The token may read but not write: no write_repository scope, or a role below Developer (HTTP 403).',
    example: () => pushForbiddenError(context('push')),
    pattern: /^the token in \S+ may not push to \S+ \(HTTP 403/,
  },
  {
    id: 'read-forbidden',
    cause: 'The token may not even read the repository (HTTP 403).',
    example: () => readForbiddenError(context('clone')),
    pattern: /^the token in \S+ may not read \S+ \(HTTP 403/,
  },
  {
    id: 'project-not-found',
    cause:
      'Wrong --project, or a Project Access Token of another project: GitLab hides what a token cannot see (HTTP 404).',
    example: () => projectNotFoundError(context('clone')),
    pattern: /^project \S+ was not found on \S+: /,
  },
  {
    id: 'protected-branch',
    cause: "The branch is protected and the token's role is not allowed to push to it.",
    example: () => protectedBranchError(context('push')),
    pattern: /is a protected branch of \S+ and the token's role may not push to it$/,
  },
  {
    id: 'branch-missing',
    cause: '--branch names a branch the GitOps project does not have.',
    example: () => missingBranchError(context('clone')),
    pattern: /^branch \S+ does not exist in \S+$/,
  },
  {
    id: 'server-redirect',
    cause:
      'The server answered with a redirect (to another host, to https, or to a moved project): git and the token follow none.',
    example: () => redirectError(`${SERVER}/${PROJECT}.git`, 'https://gitlab.other.example/group/gitops.git/info/refs'),
    pattern: /^the server (redirected \S+ to \S+|answered \S+ with a redirect); /,
  },
  {
    id: 'server-url-invalid',
    cause:
      '--server-url (or CI_SERVER_URL) is not a plain http(s) URL: credentials, "@", a backslash, spaces, a query, or no URL at all.',
    example: () =>
      push(
        '--server-url',
        'https://gitlab.example.com\\@other.example',
        '--target-env',
        'prod',
        '--image',
        'app:1.0.0',
      ),
    pattern:
      /^\S+ (".*" )?(must be a plain http\(s\) URL|holds whitespace or control characters|holds a backslash|is not an http\(s\) URL)/s,
  },
  {
    id: 'server-error',
    cause: 'GitLab failed (HTTP 5xx).',
    example: () => serverError(context('clone'), '500'),
    pattern: /^GitLab answered with a server error \(HTTP 5\d\d\) while /,
  },
  {
    id: 'unreachable',
    cause: 'No connection to the server: wrong --server-url, proxy, firewall or DNS.',
    example: () =>
      unreachableError(
        context('clone'),
        'Failed to connect to gitlab.example.com port 443 after 3 ms: Could not connect to server',
      ),
    pattern: /^cannot connect to \S+ while /,
  },
  {
    id: 'timeout',
    cause: 'The server (or a proxy) stopped sending data for --timeout seconds.',
    example: () => timeoutError(context('clone')),
    pattern: /stopped answering while .*: no progress within /,
  },
  {
    id: 'time-limit',
    cause:
      'The server (or a proxy) kept one git step busy for longer than --timeout: an answer trickling in, or one without end.',
    example: () => timeLimitError(context('clone')),
    pattern: / sent too slowly or without end while .*: stopped git after /,
  },
  {
    id: 'no-gnu-timeout',
    cause:
      "git runs under GNU coreutils `timeout`, and the PATH has none (macOS), or only BusyBox's (Alpine without coreutils).",
    example: () => noGnuTimeoutError(),
    pattern:
      /^(no `timeout` command on PATH|\S+ is BusyBox's timeout, which cannot stop git's whole process tree): git is run under GNU coreutils `timeout`$/,
  },
  {
    id: 'bump-branch-is-target',
    cause: '--mr-branch names the branch the merge request is for.',
    example: () => bumpBranchIsTargetError('main'),
    pattern: /^(--mr-branch|IMAGE_BUMP_MR_BRANCH) makes the bump branch .*, the branch the merge request is for$/,
  },
  {
    id: 'bump-branch-foreign',
    cause: 'The merge-request branch exists and its tip is not a bump commit this tool wrote for the same target.',
    example: () =>
      foreignBumpBranchError(
        'staging',
        'main',
        '4f0c2a9e1d7b3c5a8e6f0b2d4c6a8e0f2b4d6c8a',
        'was not written by gitops-image-bump for main (no "Image-Bump-Target: main" trailer)',
      ),
    pattern: /^merge-request branch .* already exists and is not a bump branch of /,
  },
  {
    id: 'retries-exhausted',
    cause: 'Other pipelines pushed to the branch first, --max-attempts times in a row.',
    example: () => retriesExhaustedError(40, 'main', '[rejected] HEAD -> main (fetch first)'),
    pattern: /^gave up after \d+ push attempts: /,
  },
  {
    id: 'git-failed',
    cause: 'git failed in a way not listed here; the message quotes git.',
    example: () => unexplainedGitError(context('push'), 'fatal: the remote end hung up unexpectedly'),
    pattern: /^git (clone|fetch|push) failed while /,
  },
  {
    id: 'overlay-missing',
    cause: 'No such overlay: --target-env, --overlays-dir or --path names a directory the repository does not have.',
    example: () => missingDirectoryError(OVERLAY, 'manifests/overlays', ['dev', 'staging']),
    pattern: /^directory \S+ does not exist$/,
  },
  {
    id: 'overlay-symlink',
    cause: 'The overlay directory is a symbolic link; the bump does not edit through links.',
    example: () => symlinkedDirectoryError(OVERLAY, '../../elsewhere/prod'),
    pattern: /^\S+ is a symbolic link \(to .*\), not a directory$/,
  },
  {
    id: 'no-kustomization',
    cause: 'The directory has no kustomization file.',
    example: () => noKustomizationError(OVERLAY),
    pattern: /^no kustomization file in \S+$/,
  },
  {
    id: 'several-kustomizations',
    cause: 'The directory has more than one kustomization file.',
    example: () => severalKustomizationsError(OVERLAY, ['kustomization.yaml', 'kustomization.yml']),
    pattern: /has more than one kustomization file: /,
  },
  {
    id: 'outside-repository',
    cause: 'The kustomization is a symbolic link that leads out of the repository.',
    example: () => outsideRepositoryError(FILE),
    pattern: /leads outside the repository/,
  },
  {
    id: 'yaml-invalid',
    cause: 'The kustomization is not valid YAML (file:line:column of the first problem).',
    example: () => thrown(() => parseSingleDocument('images:\n  - name: app\n\tnewTag: v1\n', FILE)),
    pattern: /^\S+:\d+:\d+: (?!a kustomization holds one YAML document)(?!Map keys must be unique)/,
  },
  {
    id: 'yaml-duplicate-key',
    cause: 'A key appears twice in one mapping, which kustomize rejects.',
    example: () => thrown(() => parseSingleDocument('images: []\nimages: []\n', FILE)),
    pattern: /^\S+:\d+:\d+: Map keys must be unique/,
  },
  {
    id: 'yaml-several-documents',
    cause: 'The kustomization holds several YAML documents (`---`).',
    example: () => thrown(() => parseSingleDocument('images: []\n---\nimages: []\n', FILE)),
    pattern: /^\S+:\d+:\d+: a kustomization holds one YAML document/,
  },
  {
    id: 'image-invalid',
    cause: 'The new image is not a valid container image reference (checked before anything is cloned).',
    example: () => push('--target-env', 'prod', '--image', 'app=registry.example.com/Team/App:1.0.0'),
    pattern: /^image argument ".*": /s,
  },
  {
    id: 'image-argument-format',
    cause: 'The --image argument is not one of the `kustomize edit set image` forms.',
    example: () => push('--target-env', 'prod', '--image', 'app'),
    pattern: /^invalid format of image /,
  },
  {
    id: 'app-image-missing',
    cause:
      'An app name without an image, or an image without a name: --app-name/--app-image, APP_NAME/APP_IMAGE, or a CI/CD variable they are built from, is empty.',
    example: () =>
      thrown(() =>
        readSettings(['push', '--server-url', SERVER, '--project', PROJECT, '--target-env', 'prod'], {
          APP_NAME: 'registry.example.com/team/app',
          APP_IMAGE: '',
        }),
      ),
    pattern: /^no (new image for|image name to match for) ".*": \S+( \(or \S+\))? is (empty|not given)$/s,
  },
  {
    id: 'target-env-invalid',
    cause: 'The environment name is not a plain directory name ("..", "/", spaces or shell characters).',
    example: () => push('--target-env', '../prod', '--image', 'app:1.0.0'),
    pattern: /^target env .* is not a valid environment name$/s,
  },
  {
    id: 'number-invalid',
    cause:
      '--timeout, --max-attempts or --expiry-warning-days is not a whole number in its range (--timeout: 1 to 86400 seconds).',
    example: () => push('--target-env', 'prod', '--image', 'app:1.0.0', '--timeout', '2147484'),
    pattern: /^\S+ must be a whole number (of at least|from) /,
  },
  {
    id: 'message-empty',
    cause: 'The --message template is empty, so git would refuse the commit.',
    example: () => push('--target-env', 'prod', '--image', 'app:1.0.0', '--message', ''),
    pattern: /^\S+ ".*" leaves the commit subject empty$/s,
  },
  {
    id: 'author-invalid',
    cause: 'The commit author is empty, or holds characters git refuses or silently drops.',
    example: () => push('--target-env', 'prod', '--image', 'app:1.0.0', '--author-name', ''),
    pattern: /^\S+ ".*" is not an? (name|email) git can record: /s,
  },
  {
    id: 'path-git-dir',
    cause: "A path option leads into .git, git's own files, which the bump never edits.",
    example: () => push('--target-env', 'prod', '--image', 'app:1.0.0', '--helm-values', '.git/HEAD'),
    pattern: /^\S+ ".*" goes through \.git, which holds git's own files$/s,
  },
  {
    id: 'path-control',
    cause: 'A path option holds a line break, tab or other control character (often a stray one in a CI/CD variable).',
    example: () => push('--path', 'manifests/overlays/\tprod', '--image', 'app:1.0.0'),
    pattern: /^\S+ ".*" contains control characters$/s,
  },
  {
    id: 'path-outside',
    cause: 'A path option (--path, --overlays-dir, --file, …) is absolute or climbs out with "..".',
    example: () => push('--path', '../outside', '--image', 'app:1.0.0'),
    pattern: /must be a (directory|path) inside the (repository|working directory)$/,
  },
  {
    id: 'image-missing',
    cause:
      'The registry does not have the new image (HTTP 404): the tag was never pushed or is misspelt, a cleanup policy removed it, or a multi-arch index is incomplete.',
    example: () => imageMissingError(IMAGE, REGISTRY_HOST, 404, 'MANIFEST_UNKNOWN: manifest unknown'),
    pattern: /^image \S+ is not in registry \S+ \(HTTP 404/,
  },
  {
    id: 'registry-access-denied',
    cause:
      'The registry refused to show the image (HTTP 401/403): no login for it, or one that may not pull this repository.',
    example: () => accessDeniedError(IMAGE, REGISTRY_HOST, 401, 'UNAUTHORIZED: authentication required', undefined),
    pattern: /^registry \S+ refused to show image \S+ /,
  },
  {
    id: 'registry-token-refused',
    cause: "The registry's token service (GitLab's /jwt/auth for GitLab's registry) refused the login or failed.",
    example: () =>
      tokenRefusedError(IMAGE, REGISTRY_HOST, 'https://gitlab.example.com/jwt/auth', 401, 'HTTP Basic: Access denied'),
    pattern: /^the token service \S+ of registry \S+ gave no token to pull image /,
  },
  {
    id: 'registry-failed',
    cause: 'The registry (or a proxy in front of it) failed with HTTP 5xx, or answered something unexpected.',
    example: () => registryFailedError(IMAGE, REGISTRY_HOST, 503, ''),
    pattern: /^registry \S+ failed while checking image /,
  },
  {
    id: 'registry-unreachable',
    cause: 'No answer from the registry: unknown host, nothing listening, a firewall, or no answer within --timeout.',
    example: () =>
      registryUnreachableError(IMAGE, REGISTRY_HOST, 'unknown-host', 'the host name does not resolve (ENOTFOUND)'),
    pattern: /^cannot reach registry \S+ for image /,
  },
  {
    id: 'registry-tls',
    cause: "The registry's certificate is not trusted (a private CA the job does not know), or TLS failed.",
    example: () => registryUnreachableError(IMAGE, REGISTRY_HOST, 'tls', 'TLS failed: SELF_SIGNED_CERT_IN_CHAIN'),
    pattern: /^TLS to registry \S+ failed for image /,
  },
  {
    id: 'image-untagged',
    cause:
      'The new image names no tag or digest (a new name alone keeps the tag of the resources), so the registry cannot be asked about it.',
    example: () => untaggedImageError('registry.example.com/team/app'),
    pattern: /^cannot verify image \S+: it names no tag or digest/,
  },
  {
    id: 'pin-digest-mismatch',
    cause: '--pin-digest: the argument gives a tag and a digest, and the tag names other bytes now.',
    example: () => digestMismatchError(`${IMAGE}@${DIGEST('a')}`, DIGEST('a'), DIGEST('b')),
    pattern: /^--pin-digest: the tag of \S+ resolves to \S+, not to the digest given, /,
  },
  {
    id: 'tag-moved',
    cause:
      'The tag was pushed again while the bump retried (another writer had moved the branch): it names another image now.',
    example: () => tagMovedError(IMAGE, DIGEST('a'), DIGEST('b')),
    pattern: /^tag \S+ moved during the release: /,
  },
  {
    id: 'platform-missing',
    cause:
      '--require-platform: the image (index) lacks a platform, e.g. one architecture of a multi-arch build failed.',
    example: () =>
      platformMissingError(IMAGE, [{ os: 'linux', architecture: 'arm64' }], [{ os: 'linux', architecture: 'amd64' }]),
    pattern: /^image \S+ lacks platform /,
  },
  {
    id: 'platforms-unknown',
    cause: '--require-platform: the manifest was found, but its platforms could not be read.',
    example: () => platformsUnknownError(IMAGE, 'HTTP 404 for the image config'),
    pattern: /^cannot read the platforms of image /,
  },
  {
    id: 'verify-image-invalid',
    cause: '--verify-image (verify_image) is not off, warn or require.',
    example: () => push('--target-env', 'prod', '--image', 'app:1.0.0', '--verify-image', 'strict'),
    pattern: /^\S+ must be off, warn or require, not /,
  },
  {
    id: 'verify-image-off-conflict',
    cause: '--pin-digest or --require-platform need the registry, and --verify-image is off.',
    example: () => push('--target-env', 'prod', '--image', 'app:1.0.0', '--verify-image', 'off', '--pin-digest'),
    pattern: /^\S+( and \S+)? cannot work with \S+ off$/,
  },
  {
    id: 'pin-digest-needs-tag',
    cause:
      '--pin-digest with an image argument that gives no tag, or keeps one with "*": nothing to resolve before the edit.',
    example: () => push('--target-env', 'prod', '--image', 'app=*:1.4.2', '--pin-digest'),
    pattern: /^\S+ needs each new tag in the argument, /,
  },
  {
    id: 'platform-invalid',
    cause: '--require-platform is not a list of os/architecture[/variant].',
    example: () => push('--target-env', 'prod', '--image', 'app:1.0.0', '--require-platform', 'amd64'),
    pattern: /^\S+ ".*" is not a platform of the form os\/architecture\[\/variant\]$/s,
  },
  {
    id: 'docker-auth-config-invalid',
    cause:
      'DOCKER_AUTH_CONFIG is not the JSON of a Docker config.json (only refused with --verify-image require; warn goes on without it).',
    example: () => thrown(() => parseDockerAuthConfig('{"auths": {"registry.example.com": {"auth": 1}}}')),
    pattern: /^DOCKER_AUTH_CONFIG /,
  },
  {
    id: 'no-command',
    cause: 'The command was run without arguments: push or edit comes first.',
    example: () => thrown(() => readSettings([], {})),
    pattern: /^no command given$/,
  },
  {
    id: 'unknown-command',
    cause: 'The first argument is not push, edit or help (often a typo).',
    example: () => thrown(() => readSettings(['psuh', '--target-env', 'prod'], {})),
    pattern: /^unknown command ".*"$/s,
  },
  {
    id: 'command-not-first',
    cause: 'An option came before the command.',
    example: () => thrown(() => readSettings(['--target-env', 'prod', 'push'], {})),
    pattern: /^the command comes first, before \S+$/,
  },
  {
    id: 'unknown-option',
    cause: 'An option the command does not have (often a typo; the hint names the closest one).',
    example: () => thrown(() => readSettings(['edit', '--dri', 'overlays/prod', '--image', 'app:1.0.0'], {})),
    pattern: /^unknown option (-{1,2}[\w.-]+|".*")$/s,
  },
  {
    id: 'option-of-other-command',
    cause: 'An option of push given to edit, or one of edit given to push.',
    example: () => thrown(() => readSettings(['edit', '--target-env', 'prod', '--image', 'app:1.0.0'], {})),
    pattern: /^--\S+ is an option of (push|edit), not (push|edit)$/,
  },
  {
    id: 'option-needs-value',
    cause: 'An option that takes a value came last, or right before another option.',
    example: () => thrown(() => readSettings(['edit', '--dir', 'overlays/prod', '--image'], {})),
    pattern: /^--\S+ needs a value$/,
  },
  {
    id: 'option-takes-no-value',
    cause: 'A switch such as --dry-run or --json was given a value with "=".',
    example: () => push('--target-env', 'prod', '--image', 'app:1.0.0', '--dry-run=true'),
    pattern: /^--\S+ takes no value$/,
  },
];

/** The trouble an `error:` line (with or without its prefix) belongs to. */
export function troubleFor(errorLine: string): Trouble | undefined {
  const message = errorLine.replace(/^error: /, '');
  return TROUBLES.find((trouble) => trouble.pattern.test(message));
}

/** The README's table: the message, its exit code, the cause and the fix (the hint, word for word). */
export function troubleshootingTable(): string {
  const rows = TROUBLES.map((trouble) => {
    const error = trouble.example();
    const message = error.message.split('\n')[0]!;
    return `| ${code(`error: ${message}`)} | ${error.exitCode} | ${cell(trouble.cause)} | ${cell(error.hint ?? '')} |`;
  });
  return ['| Message (example) | Exit | Cause | Fix |', '|---|---|---|---|', ...rows].join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence === '``' ? ' ' : ''}${cell(text)}${fence === '``' ? ' ' : ''}${fence}`;
}
