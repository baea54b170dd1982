import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM build script without type declarations
import { buildOptions } from '../scripts/build.mjs';

describe('dist/image-bump.mjs', () => {
  it('is the current build of src/ (run `npm run build` and commit dist/)', async () => {
    const result = await build({ ...buildOptions, write: false, outfile: 'dist/image-bump.mjs' });
    const fresh = result.outputFiles![0]!.text;
    const committed = await readFile(new URL('../dist/image-bump.mjs', import.meta.url), 'utf8');
    expect(committed === fresh, 'dist/image-bump.mjs is stale: run `npm run build`').toBe(true);
  });
});
