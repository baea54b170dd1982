import { OPTIONS, environmentName } from './options.js';

export function helpText(topic?: 'push' | 'edit'): string {
  const usage = [
    'Usage:',
    '  gitops-image-bump push --target-env ENV --image NAME=IMAGE [--image …] [options]',
    '  gitops-image-bump edit [--dir DIR | --file FILE] --image NAME=IMAGE [--image …]',
    '',
    'push: clone the GitOps project minimally, set the images in the kustomization(s), commit and push.',
    'edit: set the images in a local kustomization, like `kustomize edit set image`, without git.',
    '',
    'The token is read from the environment variable named by --token-variable (default GITLAB_PUSHER_TOKEN).',
    'Every option can also be set as IMAGE_BUMP_<OPTION> (e.g. IMAGE_BUMP_TARGET_ENV); flags win.',
    '',
  ];
  const lines = Object.entries(OPTIONS)
    .filter(([, spec]) => !topic || (spec.commands as readonly string[]).includes(topic))
    .map(([name, spec]) => {
      const flag = `--${name}${'value' in spec ? ` ${spec.value}` : ''}`;
      const env = name === 'help' || name === 'version' ? '' : `  [${environmentName(name)}]`;
      return `  ${flag.padEnd(26)} ${spec.description}${env}`;
    });
  return [
    ...usage,
    `Options${topic ? ` for ${topic}` : ''}:`,
    ...lines,
    '',
    'Exit codes: 0 pushed or nothing to change, 1 failure, 2 invalid input.',
  ].join('\n');
}
