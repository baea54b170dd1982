import type { EditTarget } from '../../src/edit/targets.js';

/** The kustomization of `overlays/prod` below `/repo`, for code that reads a target's place, not its editor. */
export const PROD_OVERLAY_TARGET: EditTarget = {
  kind: 'kustomization',
  path: '/repo/overlays/prod/kustomization.yaml',
  shown: 'overlays/prod/kustomization.yaml',
  dir: 'overlays/prod',
  editor: () => ({ text: '', changes: [] }),
};
