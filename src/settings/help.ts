import { OPTIONS, environmentName, inputName, optionsOf } from './options.js';

type Command = 'push' | 'edit';

const USAGE: Record<Command, string> = {
  push: 'gitops-image-bump push --target-env ENV --image NAME=IMAGE [--image …] [options]',
  edit: 'gitops-image-bump edit [--dir DIR | --file FILE] --image NAME=IMAGE [--image …] [options]',
};

const DESCRIPTION: Record<Command, string> = {
  push: 'Clone the GitOps project minimally, set the images in the kustomization(s), commit and push.',
  edit: 'Set the images in local files, like `kustomize edit set image`, without git. Paths are relative to the working directory (or absolute inside it).',
};

/** Said on a run without a command (on stderr, exit 2). */
export const BRIEF_USAGE = `Usage: ${USAGE.push} | ${USAGE.edit} (see gitops-image-bump --help).`;

/** `--help`: both commands briefly; `push --help` or `edit --help`: that command, with its options. */
export function helpText(topic?: Command): string {
  if (!topic) {
    return [
      'Usage:',
      `  ${USAGE.push}`,
      `  ${USAGE.edit}`,
      '',
      `push: ${DESCRIPTION.push}`,
      `edit: ${DESCRIPTION.edit}`,
      '',
      'gitops-image-bump push --help and gitops-image-bump edit --help list the options of each.',
      'Exit codes: 0 done or nothing to change, 1 failure, 2 invalid input.',
    ].join('\n');
  }
  const lines = optionsOf(topic).map((name) => {
    const spec = OPTIONS[name];
    const flag = `--${name}${'value' in spec ? ` ${spec.value}` : ''}`;
    const env = name === 'help' || name === 'version' ? '' : `  [${environmentName(name)}]`;
    return `  ${flag.padEnd(26)} ${spec.description}${env}`;
  });
  const push =
    topic === 'push'
      ? [
          'The token is read from the environment variable named by --token-variable (default GITLAB_PUSHER_TOKEN).',
          `In the CI/CD component, each option is the input of the same name with "_" (--target-env: ${inputName('target-env')}).`,
        ]
      : [];
  return [
    `Usage: ${USAGE[topic]}`,
    '',
    DESCRIPTION[topic],
    '',
    ...push,
    'Every option can also be set as IMAGE_BUMP_<OPTION> (e.g. IMAGE_BUMP_IMAGE); flags win.',
    '',
    `Options for ${topic}:`,
    ...lines,
    '',
    `Exit codes: 0 ${topic === 'push' ? 'pushed' : 'edited'} or nothing to change, 1 failure, 2 invalid input.`,
  ].join('\n');
}
