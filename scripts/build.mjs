#!/usr/bin/env node
// Bundles src/cli.ts into the single self-contained file dist/image-bump.mjs.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

export const buildOptions = {
  entryPoints: [new URL('../src/cli.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  define: { __VERSION__: JSON.stringify(version) },
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __imageBumpRequire } from 'node:module';\nconst require = __imageBumpRequire(import.meta.url);",
  },
};

if (process.argv[1] === new URL(import.meta.url).pathname) {
  await build({ ...buildOptions, outfile: new URL('../dist/image-bump.mjs', import.meta.url).pathname });
}
