/**
 * Every command-line option, once: the parser, the `IMAGE_BUMP_*` environment names, `--help` and
 * the component's documentation are all derived from this table.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  value?: string;
  description: string;
  commands: readonly ('push' | 'edit')[];
  /**
   * The component input that sets this option (templates/image-bump.yml): the option's name with "_"
   * unless given here; null when no input sets it.
   */
  input?: string | null;
}

const both = ['push', 'edit'] as const;
const push = ['push'] as const;

export const OPTIONS = {
  'target-env': {
    type: 'string',
    multiple: true,
    value: 'ENV',
    commands: push,
    description:
      'Environment overlay(s) to bump: <overlays-dir>/<ENV>/ (repeat or comma-separate for several). Fallback: $TARGET_ENV.',
  },
  'skip-overlay': {
    type: 'boolean',
    commands: push,
    description:
      'Do not bump the --target-env overlay: the environment only names the merge-request branch (for --file, --helm-values or --markers alone).',
  },
  'overlays-dir': {
    type: 'string',
    value: 'DIR',
    commands: push,
    description: 'Directory holding one overlay per environment (default manifests/overlays).',
  },
  path: {
    type: 'string',
    multiple: true,
    value: 'DIR',
    commands: push,
    description: 'Directory of a kustomization, relative to the repository root, instead of --target-env (repeatable).',
  },
  image: {
    // The component's image input is --app-image; --image has no input of its own.
    input: null,
    type: 'string',
    multiple: true,
    value: 'NAME=IMAGE',
    commands: both,
    description:
      'A `kustomize edit set image` argument: NAME=NEWNAME:TAG, NAME=NEWNAME@DIGEST, NAME:TAG, … (repeatable).',
  },
  images: {
    type: 'string',
    value: 'LIST',
    commands: both,
    description: 'Several --image arguments as a JSON array or a comma-separated list.',
  },
  'app-name': {
    type: 'string',
    value: 'NAME',
    commands: both,
    description: 'With --app-image: the same as --image NAME=IMAGE. Fallback: $APP_NAME.',
  },
  'app-image': {
    input: 'image',
    type: 'string',
    value: 'IMAGE',
    commands: both,
    description: 'The new image reference for --app-name. Fallback: $APP_IMAGE.',
  },
  'server-url': { type: 'string', value: 'URL', commands: push, description: 'GitLab URL (default $CI_SERVER_URL).' },
  project: {
    type: 'string',
    value: 'PATH',
    commands: push,
    description: 'Path of the GitOps project, e.g. group/gitops (default $CI_PROJECT_PATH).',
  },
  branch: {
    type: 'string',
    value: 'NAME',
    commands: push,
    description:
      "Branch to push to (default $CI_COMMIT_REF_NAME for the current project, else the project's default branch).",
  },
  'token-variable': {
    type: 'string',
    value: 'NAME',
    commands: push,
    description:
      'Name of the environment variable holding the token (default GITLAB_PUSHER_TOKEN). The token itself is never an option.',
  },
  message: {
    input: 'commit_message',
    type: 'string',
    value: 'TEMPLATE',
    commands: push,
    description:
      'Commit subject; {name}, {image}, {previous}, {env} are filled in (default "[auto ci] Update {name} image to {image}").',
  },
  'author-name': {
    type: 'string',
    value: 'NAME',
    commands: push,
    description: 'Commit author name (default "gitops-image-bump").',
  },
  'author-email': {
    type: 'string',
    value: 'EMAIL',
    commands: push,
    description: 'Commit author email (default "gitops-image-bump@noreply.<server host>").',
  },
  'on-downgrade': {
    type: 'string',
    value: 'MODE',
    commands: both,
    description: 'When a semver tag would go down: fail (default), skip, or allow.',
  },
  'max-attempts': {
    type: 'string',
    value: 'N',
    commands: push,
    description: 'Push attempts when other pipelines move the branch first (default 40).',
  },
  timeout: {
    type: 'string',
    value: 'SECONDS',
    commands: push,
    description:
      'Give up on a server that sends nothing for this many seconds, and on any git step (clone, fetch, push) or registry request that takes longer in all: 1 to 86400 (default 60).',
  },
  mode: {
    type: 'string',
    value: 'MODE',
    commands: push,
    description:
      'direct (default): push to the branch; merge-request: push a bump branch and open (or update) a merge request into it.',
  },
  fallback: {
    type: 'string',
    value: 'MODE',
    commands: push,
    description:
      'none (default) or merge-request: open a merge request when a direct push is refused because the branch is protected.',
  },
  'mr-branch': {
    type: 'string',
    value: 'TEMPLATE',
    commands: push,
    description:
      'Bump branch name; {env} and {app} are filled in (default image-bump/{env}/{app}; several images: a short hash of their names).',
  },
  'mr-label': {
    input: 'mr_labels',
    type: 'string',
    multiple: true,
    value: 'LABEL',
    commands: push,
    description: 'Label for the merge request (repeatable, or comma-separated).',
  },
  'mr-draft': { type: 'boolean', commands: push, description: 'Open the merge request as a draft.' },
  'mr-auto-merge': {
    type: 'boolean',
    commands: push,
    description: 'Merge the merge request when its pipeline succeeds.',
  },
  'mr-auto-merge-option': {
    type: 'string',
    value: 'NAME',
    commands: push,
    description: 'auto_merge (default, GitLab 17.11+) or merge_when_pipeline_succeeds (older GitLab).',
  },
  'skip-ci': {
    type: 'boolean',
    commands: push,
    description: 'Ask GitLab not to run a pipeline for the pushed commit (push option ci.skip).',
  },
  report: {
    input: null,
    type: 'string',
    value: 'FILE',
    commands: push,
    description: 'Write a dotenv report for later jobs (BUMP_CHANGED, BUMP_COMMIT_SHA, BUMP_NEW_IMAGE, …).',
  },
  json: {
    input: null,
    type: 'boolean',
    commands: both,
    description:
      'End every run, failed or not, with one JSON object (ok, exitCode, error, hint, outcome) as the last line of stdout.',
  },
  'expiry-warning-days': {
    type: 'string',
    value: 'DAYS',
    commands: push,
    description: 'Warn when the token expires within DAYS days (default 14; 0 turns the check off).',
  },
  'verify-image': {
    type: 'string',
    value: 'MODE',
    commands: push,
    description:
      'Ask the registry for each new image before anything is pushed: warn (default) reports a missing or unverifiable image and goes on (a runner that cannot reach or log in to a private registry keeps working on upgrade), require fails on anything it cannot verify, off asks nothing.',
  },
  'pin-digest': {
    type: 'boolean',
    commands: push,
    description:
      'Write each new tag together with the digest the registry resolves it to (tag@digest), so the deployed bytes cannot change under the tag. Needs an answer: implies --verify-image require.',
  },
  'require-platform': {
    type: 'string',
    multiple: true,
    value: 'OS/ARCH',
    commands: push,
    description:
      'Refuse an image that lacks one of these platforms, e.g. linux/amd64,linux/arm64 (repeatable, or comma-separated). Implies --verify-image require.',
  },
  'dry-run': { type: 'boolean', commands: push, description: 'Clone and edit, print the diff, push nothing.' },
  'keep-workdir': {
    input: null,
    type: 'string',
    value: 'DIR',
    commands: push,
    description: 'Clone into DIR and keep it afterwards (debugging).',
  },
  dir: {
    input: null,
    type: 'string',
    value: 'DIR',
    commands: ['edit'],
    description:
      'Directory holding the kustomization to edit, inside the working directory: relative to it, or absolute (default: the working directory itself).',
  },
  file: {
    input: 'files',
    type: 'string',
    multiple: true,
    value: 'PATH',
    commands: both,
    description:
      "A YAML file (or a directory of them) to edit: plain manifests get kustomize's image transformer rules, a kustomization gets `edit set image` (repeatable).",
  },
  'helm-values': {
    type: 'string',
    multiple: true,
    value: 'FILE',
    commands: both,
    description: 'A Helm values file whose image keys to set (repeatable).',
  },
  'helm-path': {
    input: 'helm_paths',
    type: 'string',
    multiple: true,
    value: 'KEY',
    commands: both,
    description: 'Dot path of the image in the values files, e.g. backend.image (default image; repeatable).',
  },
  'helm-repository-key': {
    input: null,
    type: 'string',
    value: 'KEY',
    commands: both,
    description: 'Key holding the repository under --helm-path (default repository).',
  },
  'helm-tag-key': {
    input: null,
    type: 'string',
    value: 'KEY',
    commands: both,
    description: 'Key holding the tag under --helm-path (default tag).',
  },
  'helm-digest-key': {
    input: null,
    type: 'string',
    value: 'KEY',
    commands: both,
    description: 'Key holding the digest under --helm-path (default digest).',
  },
  markers: {
    type: 'string',
    multiple: true,
    value: 'DIR',
    commands: both,
    description:
      'Update every YAML value marked `# image-bump: NAME` (or NAME:tag, :name, :digest) under DIR (repeatable).',
  },
  help: {
    input: null,
    type: 'boolean',
    commands: both,
    description: 'Show this help.',
  },
  version: {
    input: null,
    type: 'boolean',
    commands: both,
    description: 'Show the version.',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** `--max-attempts` is read from `IMAGE_BUMP_MAX_ATTEMPTS`. */
export function environmentName(option: string): string {
  return `IMAGE_BUMP_${option.toUpperCase().replace(/-/g, '_')}`;
}

/** The component input that sets `option`, or undefined when none does. */
export function inputName(option: OptionName): string | undefined {
  const spec: OptionSpec = OPTIONS[option];
  if (spec.input === null) return undefined;
  return spec.input ?? option.replace(/-/g, '_');
}

export function optionsOf(command: 'push' | 'edit'): OptionName[] {
  return (Object.keys(OPTIONS) as OptionName[]).filter((name) =>
    (OPTIONS[name].commands as readonly string[]).includes(command),
  );
}
