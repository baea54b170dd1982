import { createHash } from 'node:crypto';
import type { PushSettings } from './settings.js';

/**
 * The merge-request branch is named from WHAT is bumped, never from the version, so a newer release
 * of the same app and environment updates the one open merge request instead of opening another.
 */
export function bumpBranchName(settings: Pick<PushSettings, 'images' | 'targets' | 'environments' | 'mergeRequest'>): string {
  const names = [...new Set(settings.images.map((image) => image.name))].sort();
  const app = names.length === 1 ? names[0]!.split('/').at(-1)! : createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 8);
  const { kustomizations, files, helm, markers } = settings.targets;
  const paths = kustomizations.filter((target) => !target.env).map((target) => target.dir);
  const places = [...settings.environments, ...paths, ...files, ...helm.files, ...markers];
  const env = [...new Set(places.map((place) => place.replace(/\//g, '-')))].join('+');
  return settings.mergeRequest.branchTemplate
    .replace(/\{app\}/g, app)
    .replace(/\{env\}/g, env)
    .replace(/[^A-Za-z0-9._/+-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/\/{2,}/g, '/')
    .replace(/^[-/.]+|[-/.]+$/g, '');
}
