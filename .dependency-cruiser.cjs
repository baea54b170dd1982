/**
 * The import rule of src/: no cycles, and imports only point down this list of layers (a module may
 * import from its own folder and from any folder below it, never from one above).
 */
const LAYERS = [
  ['entry', '^src/[^/]+\\.ts$'], // cli.ts, main.ts, troubleshooting.ts: wiring and the catalogue of failures
  ['push', '^src/push/'],
  ['edit', '^src/edit/'],
  ['report', '^src/report/'],
  ['registry', '^src/registry/'], // network I/O to image registries: not yaml/ or image/
  ['git', '^src/git/'],
  ['settings', '^src/settings/'],
  ['yaml', '^src/yaml/'],
  ['image', '^src/image/'],
  ['failures', '^src/failures/'],
];

const upward = LAYERS.slice(1).map(([name, path], index) => ({
  name: `no-upward-from-${name}`,
  comment: `src/${name} may import only from its own folder and the layers below it`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(0, index + 1).map(([, above]) => above) },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'pure-text-does-no-io',
      comment: 'yaml/ and image/ turn text into text: no file system, network, process or git',
      severity: 'error',
      from: { path: '^src/(yaml|image)/' },
      to: { path: '^(node:)?(fs|fs/promises|http|https|net|child_process|os|process)$|^node_modules/simple-git/' },
    },
    {
      name: 'simple-git-only-in-git',
      comment: 'simple-git is the git layer: only src/git/ runs git',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/git/' },
      to: { path: '^node_modules/simple-git/' },
    },
    {
      name: 'every-module-in-a-layer',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map(([, path]) => path) },
      to: {},
    },
    ...upward,
  ],
  options: {
    includeOnly: '^src/|^(node:)?[a-z_/]+$|^node_modules/simple-git/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
