import type { HelmImageKeys } from '../yaml/helm-values-editor.js';

/** Everything a bump edits, as given on the command line: paths relative to the root. */
export interface TargetSpec {
  kustomizations: { dir: string; env?: string }[];
  files: string[];
  helm: { files: string[]; paths: string[]; keys: HelmImageKeys };
  markers: string[];
}

export function hasTargets(spec: TargetSpec): boolean {
  return spec.kustomizations.length + spec.files.length + spec.helm.files.length + spec.markers.length > 0;
}

/** What a sparse checkout needs for the spec: the overlay directories and the given paths. */
export function sparsePaths(spec: TargetSpec): string[] {
  return [...spec.kustomizations.map((target) => `${target.dir}/`), ...spec.files, ...spec.helm.files, ...spec.markers];
}
